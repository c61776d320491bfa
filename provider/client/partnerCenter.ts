import { randomUUID } from "node:crypto";
import { sameAmount } from "../inputs";
import type { TokenCredential } from "./auth/credential";
import { PartnerCenterError, PartnerCenterResponseError, PartnerCenterTransportError, type RequestIdentity } from "./errors";
import { HttpTransport, type HttpResponse } from "./transport";
import {
  budgetPatchBody,
  parseBudget,
  parseCustomerPage,
  parseFault,
  WireFormatError,
  type WireBudget,
  type WireCustomerPage,
} from "./wire";

/** Ties the requests of one resource operation together (`MS-CorrelationId`). */
export interface OperationContext {
  /** The correlation id shared by all requests of the operation. */
  readonly correlationId: string;
}

/** Starts a new operation with a fresh correlation id. */
export function newOperation(): OperationContext {
  return { correlationId: randomUUID() };
}

/** What the client needs to reach Partner Center. */
export interface PartnerCenterClientOptions {
  /** The API base URL, without a trailing slash. */
  readonly endpoint: string;
  /** Where bearer tokens come from. */
  readonly credential: TokenCredential;
  /** The HTTP transport (a keep-alive pool by default). */
  readonly transport?: HttpTransport;
  /** `X-Locale` (default `en-US`). */
  readonly locale?: string;
}

/** One request before it is sent: everything but the per-attempt token. */
interface RequestPlan {
  readonly method: "GET" | "PATCH";
  readonly path: string;
  readonly customerId?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** Customers per page of `GET /v1/customers` unless told otherwise. */
export const DEFAULT_CUSTOMER_PAGE_SIZE = 500;

/**
 * The Partner Center API as this package uses it: read and set a customer's
 * usage budget, list customers. Every request is built here and nowhere else.
 */
export class PartnerCenterClient {
  readonly #endpoint: string;
  readonly #credential: TokenCredential;
  readonly #transport: HttpTransport;
  readonly #locale: string;

  /** @param options - endpoint, credential and transport */
  constructor(options: PartnerCenterClientOptions) {
    this.#endpoint = options.endpoint;
    this.#credential = options.credential;
    this.#transport = options.transport ?? new HttpTransport();
    this.#locale = options.locale ?? "en-US";
  }

  /** The API base URL requests go to. */
  get endpoint(): string {
    return this.#endpoint;
  }

  /**
   * Reads a customer's usage budget.
   *
   * @param customerId - the customer's tenant id (a validated GUID)
   * @param operation - the resource operation this read belongs to
   */
  async getBudget(customerId: string, operation: OperationContext): Promise<WireBudget> {
    const plan: RequestPlan = { method: "GET", path: budgetPath(customerId), customerId };
    return decode(await this.#send(plan, operation), parseBudget);
  }

  /**
   * Sets (or, with null, clears) a customer's usage budget and verifies that
   * Partner Center reports the amount sent.
   *
   * @param customerId - the customer's tenant id (a validated GUID)
   * @param amount - the budget, or null for none
   * @param operation - the resource operation this write belongs to
   */
  async patchBudget(customerId: string, amount: number | null, operation: OperationContext): Promise<WireBudget> {
    const plan: RequestPlan = { method: "PATCH", path: budgetPath(customerId), customerId, body: budgetPatchBody(amount) };
    const sent = await this.#send(plan, operation);
    const written = decode(sent, parseBudget);
    if (!sameAmount(written.amount, amount)) {
      throw new PartnerCenterResponseError(
        sent.identity,
        `the budget was set to ${amount} but Partner Center reports ${written.amount}; nothing is recorded as written`,
      );
    }
    return written;
  }

  /**
   * Lists every customer, page by page, following continuation links.
   *
   * @param operation - the operation the listing belongs to
   * @param pageSize - customers per page
   */
  async *listCustomers(operation: OperationContext, pageSize = DEFAULT_CUSTOMER_PAGE_SIZE): AsyncGenerator<WireCustomerPage> {
    let plan: RequestPlan | undefined = { method: "GET", path: `/v1/customers?size=${pageSize}` };
    while (plan) {
      const page: WireCustomerPage = decode(await this.#send(plan, operation), parseCustomerPage);
      yield page;
      plan = page.next && { method: "GET", path: page.next.uri, headers: page.next.headers };
    }
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  async #send(plan: RequestPlan, operation: OperationContext): Promise<SentRequest> {
    const identity: RequestIdentity = {
      customerId: plan.customerId,
      method: plan.method,
      path: plan.path,
      requestId: randomUUID(),
      correlationId: operation.correlationId,
    };
    const url = plan.path.startsWith("/") ? `${this.#endpoint}${plan.path}` : plan.path;
    // At most two attempts: the second only after a 401 with a credential that can renew its token.
    for (let attempt = 1; ; attempt++) {
      const token = await this.#credential.getToken();
      const headers: Record<string, string> = {
        ...plan.headers,
        authorization: `Bearer ${token.reveal()}`,
        accept: "application/json",
        "ms-requestid": identity.requestId,
        "ms-correlationid": identity.correlationId,
        "x-locale": this.#locale,
      };
      if (plan.body !== undefined) headers["content-type"] = "application/json";
      let response: HttpResponse;
      try {
        response = await this.#transport.send({ method: plan.method, url, headers, body: plan.body });
      } catch (error) {
        throw new PartnerCenterTransportError(identity, this.#endpoint, error);
      }
      if (response.status === 401 && attempt === 1 && this.#credential.invalidate()) continue;
      if (response.status >= 200 && response.status < 300) return { identity, response };
      throw new PartnerCenterError(identity, response.status, parseFault(response.text, response.headers["content-type"]), response.headers["ms-requestid"]);
    }
  }
}

function budgetPath(customerId: string): string {
  return `/v1/customers/${encodeURIComponent(customerId)}/usagebudget`;
}

/** A request that got a 2xx answer, with the ids it was sent under. */
interface SentRequest {
  readonly identity: RequestIdentity;
  readonly response: HttpResponse;
}

/** Parses a 2xx body; a body that is not the documented JSON becomes a typed error with the request's ids. */
function decode<T>(sent: SentRequest, parse: (text: string) => T): T {
  try {
    return parse(sent.response.text);
  } catch (error) {
    if (!(error instanceof WireFormatError)) throw error;
    throw new PartnerCenterResponseError(sent.identity, error.message);
  }
}
