import { randomUUID } from "node:crypto";
import { sameAmount } from "./amount";
import type { Secret } from "../secret";
import type { TokenCredential } from "./auth/credential";
import { BodyTooLargeError } from "./boundedBody";
import { systemClock, type Clock } from "./clock";
import { AmountMismatchError, PartnerCenterStatusError, PartnerCenterTransportError, UnusableAnswerError, type RequestIdentity } from "./errors";
import { attempts, decideRetry, DEFAULT_RETRY_POLICY, parseRetryAfter, type AttemptOutcome, type RetryPolicy } from "./retry";
import { PauseBeyondDeadlineError, RequestScheduler, type SendGrant } from "./scheduler";
import { OperationContext } from "./operation";
import { DEFAULT_TRANSPORT_OPTIONS, HttpTransport, type HttpResponse } from "./transport";

export { OperationContext } from "./operation";
import {
  budgetPatchBody,
  parseBudget,
  parseAuditPage,
  parseCustomerPage,
  parseFault,
  WireFormatError,
  type WireAuditPage,
  type WireBudget,
  type WireCustomerPage,
} from "./wire";

/** What the client needs to reach Partner Center. */
export interface PartnerCenterClientOptions {
  /** The API base URL, without a trailing slash. */
  readonly endpoint: string;
  /** Where bearer tokens come from. */
  readonly credential: TokenCredential;
  /** The HTTP transport (a keep-alive pool with default timeouts unless given). */
  readonly transport?: HttpTransport;
  /** `X-Locale` (default `en-US`). */
  readonly locale?: string;
  /** Retries and backoff. */
  readonly retry?: RetryPolicy;
  /** Milliseconds one operation may take (default 600 s). */
  readonly operationTimeoutMs?: number;
  /** The pacing shared by every request to this partner (default: 32 in flight). */
  readonly scheduler?: RequestScheduler;
  /** The time source. */
  readonly clock?: Clock;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
}

/**
 * An attempt that failed: what it ended in, how to build its error (once, with
 * how the request ended when that is news), and whether no further turn can
 * help (a pause past the deadline).
 */
interface AttemptFailure {
  readonly outcome: AttemptOutcome;
  readonly error: (gaveUp?: string) => Error;
  readonly final?: boolean;
}

/**
 * The most 429s one request waits out (each waits a Retry-After of at least
 * a second, so the deadline ends it long before; this bounds the loop).
 */
const MAX_THROTTLED_ATTEMPTS = 1000;

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
/** The most pages one collection listing (customers, activity log) follows: a bound on a continuation that never ends. */
export const MAX_COLLECTION_PAGES = 10_000;

/**
 * The Partner Center API as this package uses it: read and set a customer's
 * usage budget, list customers. Every request is built here and nowhere else;
 * every request is paced by the shared {@link RequestScheduler} and retried as
 * {@link decideRetry} decides, keeping its `MS-RequestId`.
 */
export class PartnerCenterClient {
  readonly #endpoint: string;
  readonly #credential: TokenCredential;
  readonly #transport: HttpTransport;
  readonly #locale: string;
  readonly #retry: RetryPolicy;
  readonly #operationTimeoutMs: number;
  readonly #scheduler: RequestScheduler;
  readonly #clock: Clock;
  readonly #random: () => number;

  /** @param options - endpoint, credential, transport and pacing */
  constructor(options: PartnerCenterClientOptions) {
    this.#endpoint = options.endpoint;
    this.#credential = options.credential;
    this.#transport = options.transport ?? new HttpTransport();
    this.#locale = options.locale ?? "en-US";
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 600_000;
    this.#clock = options.clock ?? systemClock;
    this.#scheduler = options.scheduler ?? new RequestScheduler(DEFAULT_TRANSPORT_OPTIONS.maxConnections, this.#clock);
    this.#random = options.random ?? Math.random;
  }

  /** The API base URL requests go to. */
  get endpoint(): string {
    return this.#endpoint;
  }

  /** The pacing of this client's requests (its statistics are read by tests and the benchmark). */
  get scheduler(): RequestScheduler {
    return this.#scheduler;
  }

  /** Starts a resource operation: a fresh correlation id, and the deadline from `partnercenter:timeoutSeconds`, which runs from its first turn to send. */
  startOperation(): OperationContext {
    return new OperationContext(this.#operationTimeoutMs, this.#clock);
  }

  /**
   * Reads a customer's usage budget.
   *
   * @param customerId - the customer's tenant id (a validated GUID)
   * @param operation - the resource operation this read belongs to
   */
  async getBudget(customerId: string, operation: OperationContext): Promise<WireBudget> {
    const { value } = await this.#send({ method: "GET", path: budgetPath(customerId), customerId }, operation, parseBudget);
    return value;
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
    const { identity, value } = await this.#send(plan, operation, parseBudget);
    if (!sameAmount(value.amount, amount)) throw new AmountMismatchError(identity, amount, value.amount);
    return value;
  }

  /**
   * Lists every customer, page by page, following continuation links.
   *
   * @param operation - the operation the listing belongs to
   * @param pageSize - customers per page
   */
  async *listCustomers(operation: OperationContext, pageSize = DEFAULT_CUSTOMER_PAGE_SIZE): AsyncGenerator<WireCustomerPage> {
    yield* this.#pages({ method: "GET", path: `/v1/customers?size=${pageSize}` }, operation, parseCustomerPage, "customer list");
  }

  /**
   * Reads the partner's activity log, page by page (newest first).
   *
   * @param operation - the operation the reading belongs to
   * @param query - `startDate`/`endDate` (yyyy-mm-dd, within 90 days), an optional one-field filter, the page size
   */
  async *listAuditRecords(operation: OperationContext, query: { startDate?: string; endDate?: string; filter?: { Field: "CustomerId" | "CompanyName" | "ResourceType"; Value: string; Operator: "equals" | "substring" }; size?: number }): AsyncGenerator<WireAuditPage> {
    const params = new URLSearchParams();
    if (query.startDate) params.set("startDate", query.startDate);
    if (query.endDate) params.set("endDate", query.endDate);
    if (query.filter) params.set("filter", JSON.stringify(query.filter));
    params.set("size", String(query.size ?? 500));
    yield* this.#pages({ method: "GET", path: `/v1/auditrecords?${params}` }, operation, parseAuditPage, "activity log");
  }

  /** Follows a collection's continuation links: on the endpoint's origin only, never repeating a page, at most {@link MAX_COLLECTION_PAGES}. */
  async *#pages<P extends { next?: { uri: string; headers: Record<string, string> } }>(first: RequestPlan, operation: OperationContext, parse: (text: string) => P, what: string): AsyncGenerator<P> {
    let plan: RequestPlan = first;
    const seen = new Set<string>();
    for (let pages = 1; ; pages++) {
      const { identity, value: page }: { identity: RequestIdentity; value: P } = await this.#send(plan, operation, parse);
      yield page;
      if (!page.next) return;
      const continuation = `${page.next.uri}\u0000${JSON.stringify(page.next.headers)}`;
      if (seen.has(continuation)) throw new UnusableAnswerError(identity, `the ${what}'s continuation link repeats an earlier page (page ${pages}); stopped instead of looping`);
      if (pages >= MAX_COLLECTION_PAGES) throw new UnusableAnswerError(identity, `the ${what} goes on past ${MAX_COLLECTION_PAGES} pages; stopped`);
      seen.add(continuation);
      plan = { method: "GET", path: this.#sameOriginPath(page.next.uri, identity, what), headers: page.next.headers };
    }
  }

  /**
   * A continuation link as a path on the configured endpoint. The bearer
   * token goes to the endpoint's origin only: a link elsewhere is refused.
   */
  #sameOriginPath(uri: string, identity: RequestIdentity, what: string): string {
    const endpoint = new URL(this.#endpoint);
    const target = new URL(uri, endpoint);
    if (target.origin !== endpoint.origin) {
      throw new UnusableAnswerError(identity, `the ${what}'s continuation link points to ${target.origin}, not to ${endpoint.origin}: not followed, so that the token goes to the configured endpoint only`);
    }
    return `${target.pathname}${target.search}`;
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  async #send<T>(plan: RequestPlan, operation: OperationContext, parse: (text: string) => T): Promise<{ identity: RequestIdentity; value: T }> {
    const identity: RequestIdentity = {
      customerId: plan.customerId,
      method: plan.method,
      path: plan.path,
      requestId: randomUUID(),
      correlationId: operation.correlationId,
    };
    let renewedToken = false;
    let throttledAttempts = 0;
    // Bounded: each pass is an attempt counted by decideRetry (maxRetries + 1 at most), except one token renewal
    // after a 401 and the 429s, which the throttle waits out within the deadline (at most MAX_THROTTLED_ATTEMPTS).
    let lastThrottled: AttemptFailure | undefined;
    for (let attempt = 1; ; attempt++) {
      let result = await this.#attempt(plan, identity, operation, parse);
      if ("value" in result) return { identity, value: result.value };
      // A pause past the deadline after a 429: report that 429 (Partner Center's own words), with the reason.
      if (result.final && lastThrottled) result = { ...result, error: lastThrottled.error };
      if (result.outcome.kind === "response" && result.outcome.status === 401 && !renewedToken && this.#credential.invalidate()) {
        renewedToken = true;
        attempt -= 1;
        continue;
      }
      if (result.outcome.kind === "response" && result.outcome.status === 429 && !result.final && throttledAttempts < MAX_THROTTLED_ATTEMPTS) {
        // The throttle recorded the 429 and holds the next turn until its Retry-After: no sleep here.
        throttledAttempts += 1;
        lastThrottled = result;
        attempt -= 1;
        continue;
      }
      const decision = decideRetry(this.#retry, attempt, result.outcome, operation.deadline - this.#clock.now(), this.#random());
      if (!decision.retry) throw result.error(attempt > 1 || decision.stop === "deadline" ? decision.reason : undefined);
      try {
        await this.#clock.sleep(decision.delayMs, operation.signal);
      } catch {
        throw result.error(`gave up after ${attempts(attempt)}: the operation's deadline (partnercenter:timeoutSeconds) passed`);
      }
    }
  }

  async #attempt<T>(
    plan: RequestPlan,
    identity: RequestIdentity,
    operation: OperationContext,
    parse: (text: string) => T,
  ): Promise<{ value: T } | AttemptFailure> {
    let grant: SendGrant;
    try {
      grant = await this.#scheduler.acquire(plan.customerId, operation.signal, () => operation.deadline);
      operation.start();
    } catch (cause) {
      // A pause past the deadline: the retry decision sees a wait longer than what is left, and fails at once.
      if (cause instanceof PauseBeyondDeadlineError) {
        return { final: true, outcome: { kind: "response", status: 429, retryAfterMs: cause.pausedUntil - this.#clock.now() }, error: (gaveUp) => new UnusableAnswerError(identity, cause.message, gaveUp, "PC_ERR_PAUSE_BEYOND_DEADLINE") };
      }
      const waited = "the operation's deadline (partnercenter:timeoutSeconds) passed while waiting for Partner Center's rate limit";
      return { outcome: { kind: "transport" }, error: (gaveUp) => new PartnerCenterTransportError(identity, this.#endpoint, cause, gaveUp ? `${waited}; ${gaveUp}` : waited) };
    }
    let response: HttpResponse;
    try {
      // The token when the request may go (one taken before a long pause could expire in the queue).
      // A credential failure propagates as the credential's own error; the slot is freed below either way.
      const token = await this.#credential.getToken();
      try {
        response = await this.#transport.send({ method: plan.method, url: this.#url(plan), headers: this.#headers(plan, identity, token), body: plan.body, signal: operation.signal });
      } catch (cause) {
        if (cause instanceof BodyTooLargeError) return { outcome: { kind: "unreadable" }, error: (gaveUp) => new UnusableAnswerError(identity, cause.message, gaveUp, "PC_ERR_BODY_TOO_LARGE") };
        return { outcome: { kind: "transport" }, error: (gaveUp) => new PartnerCenterTransportError(identity, this.#endpoint, cause, gaveUp) };
      }
    } finally {
      grant.release();
    }
    return this.#outcome(plan, identity, response, parse, grant.sentAt);
  }

  /** Every request goes to the configured endpoint: plans carry paths only. */
  #url(plan: RequestPlan): string {
    return `${this.#endpoint}${plan.path}`;
  }

  #headers(plan: RequestPlan, identity: RequestIdentity, token: Secret): Record<string, string> {
    const headers: Record<string, string> = {
      ...plan.headers,
      authorization: `Bearer ${token.reveal()}`,
      accept: "application/json",
      "ms-requestid": identity.requestId,
      "ms-correlationid": identity.correlationId,
      "x-locale": this.#locale,
    };
    if (plan.body !== undefined) headers["content-type"] = "application/json";
    return headers;
  }

  /** Reads an answer: the parsed value, or what went wrong and whether it is worth another attempt. */
  #outcome<T>(plan: RequestPlan, identity: RequestIdentity, response: HttpResponse, parse: (text: string) => T, sentAt: number): { value: T } | AttemptFailure {
    const retryAfterMs = parseRetryAfter(response.headers["retry-after"], this.#clock.now());
    this.#scheduler.record(plan.customerId, response.status, retryAfterMs, sentAt);
    if (response.status >= 200 && response.status < 300) {
      try {
        return { value: parse(response.text) };
      } catch (cause) {
        if (!(cause instanceof WireFormatError)) throw cause;
        return { outcome: { kind: "unreadable" }, error: (gaveUp) => new UnusableAnswerError(identity, cause.message, gaveUp) };
      }
    }
    const fault = parseFault(response.text, response.headers["content-type"]);
    return { outcome: { kind: "response", status: response.status, retryAfterMs }, error: (gaveUp) => new PartnerCenterStatusError(identity, response.status, fault, response.headers["ms-requestid"], gaveUp) };
  }
}

function budgetPath(customerId: string): string {
  return `/v1/customers/${encodeURIComponent(customerId)}/usagebudget`;
}
