import { CLIENT_DEFAULTS } from "./defaults";
import { createHash } from "node:crypto";
import { sameAmount } from "./wire/amount";
import { displayText } from "../shared/untrustedText";
import type { TokenCredential } from "./auth/credential";
import { systemClock, type Clock } from "./clock";
import { OperationContext } from "./operation";
import { RequestSender, type RequestPlan } from "./requestSender";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry/retry";
import { RequestScheduler } from "./throttle/scheduler";
import { HttpTransport } from "./http/transport";
import { parseUsageRecordPage, parseUsageSummary, type WireUsageRecord, type WireUsageSummary } from "./wire/spendWire";
import {
  budgetPatchBody,
  CONTINUATION_TOKEN_HEADER,
  parseAuditPage,
  parseBudget,
  parseCustomerPage,
  type Continuation,
  type WireAuditPage,
  type WireBudget,
  type WireCustomerPage,
} from "./wire/wire";
import { AmountMismatchError, type RequestIdentity, UnusableAnswerError } from "../shared/errors";

export { OperationContext } from "./operation";

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
  /** Milliseconds one operation may take (default: CLIENT_DEFAULTS.operationTimeoutMs, 600 s). */
  readonly operationTimeoutMs?: number;
  /** The pacing shared by every request to this partner (default: as many in flight as the transport has connections, 64). */
  readonly scheduler?: RequestScheduler;
  /** The time source. */
  readonly clock?: Clock;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
}

/** Customers per page of `GET /v1/customers` unless told otherwise. */
export const DEFAULT_CUSTOMER_PAGE_SIZE = 500;
/** The most pages one collection listing (customers, activity log) follows: a bound on a continuation that never ends. */
export const MAX_COLLECTION_PAGES = 10_000;
/**
 * The longest continuation link followed (characters, as the page gives it,
 * fragment included). Partner Center's are a path and a short query; a
 * longer one is refused rather than parsed, held and sent.
 */
export const MAX_CONTINUATION_LINK_CHARS = 16 * 1024;
/**
 * The longest continuation token sent back (characters). Partner Center does
 * not document its tokens' length; 4 KiB leaves room for an opaque token
 * while keeping a page from making every later request carry a header of
 * any size (and keeps the request within a server's header limit).
 */
export const MAX_CONTINUATION_TOKEN_CHARS = 4 * 1024;
/** The most usage records one listing keeps: a bound on memory, far above any partner's customer count. */
export const MAX_USAGE_RECORDS = 250_000;
/** What a header value may hold: visible ASCII and inner spaces (no control characters, which could end the header, and no text a header cannot carry). */
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * The Partner Center API as this package uses it: read and set a customer's
 * usage budget, list customers, read month-to-date spend. Every request is built here and nowhere else;
 * every request is sent by a {@link RequestSender}: paced by the shared
 * {@link RequestScheduler}, retried, keeping its `MS-RequestId`.
 */
export class PartnerCenterClient {
  readonly #endpoint: string;
  readonly #transport: HttpTransport;
  readonly #operationTimeoutMs: number;
  readonly #scheduler: RequestScheduler;
  readonly #clock: Clock;
  readonly #sender: RequestSender;

  /** @param options - endpoint, credential, transport and pacing */
  constructor(options: PartnerCenterClientOptions) {
    this.#endpoint = options.endpoint;
    this.#transport = options.transport ?? new HttpTransport();
    this.#operationTimeoutMs = options.operationTimeoutMs ?? CLIENT_DEFAULTS.operationTimeoutMs;
    this.#clock = options.clock ?? systemClock;
    this.#scheduler = options.scheduler ?? new RequestScheduler(CLIENT_DEFAULTS.maxInFlight, this.#clock);
    this.#sender = new RequestSender({
      endpoint: this.#endpoint,
      credential: options.credential,
      transport: this.#transport,
      locale: options.locale ?? "en-US",
      retry: options.retry ?? DEFAULT_RETRY_POLICY,
      scheduler: this.#scheduler,
      clock: this.#clock,
      random: options.random ?? Math.random,
    });
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
    const { value } = await this.#sender.send(
      { subject: "usage budget", method: "GET", path: budgetPath(customerId), customerId },
      operation,
      parseBudget,
    );
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
    const plan: RequestPlan = {
      subject: "usage budget",
      method: "PATCH",
      path: budgetPath(customerId),
      customerId,
      body: budgetPatchBody(amount),
    };
    const { identity, value } = await this.#sender.send(plan, operation, parseBudget);
    if (!sameAmount(value.amount, amount)) throw new AmountMismatchError(identity, amount, value.amount);
    return value;
  }

  /**
   * Lists every customer, page by page, following continuation links.
   *
   * @param operation - the operation the listing belongs to
   * @param pageSize - customers per page
   */
  async *listCustomers(
    operation: OperationContext,
    pageSize = DEFAULT_CUSTOMER_PAGE_SIZE,
  ): AsyncGenerator<WireCustomerPage> {
    yield* this.#pages(
      { subject: "customer list", method: "GET", path: `/v1/customers?size=${pageSize}` },
      operation,
      parseCustomerPage,
    );
  }

  /**
   * Reads one customer's month-to-date spend (`GET /v1/customers/{id}/usagesummary`).
   * Partner Center answers App+User credentials only (MFA-backed since April
   * 2026); an app-only token is refused with a {@link PartnerCenterStatusError}.
   *
   * @param customerId - the customer's tenant id (a validated GUID)
   * @param operation - the operation the read belongs to (a new one by default)
   */
  async getUsageSummary(
    customerId: string,
    operation: OperationContext = this.startOperation(),
  ): Promise<WireUsageSummary> {
    const { value } = await this.#sender.send(
      {
        subject: "usage summary",
        method: "GET",
        path: `/v1/customers/${encodeURIComponent(customerId)}/usagesummary`,
        customerId,
      },
      operation,
      parseUsageSummary,
    );
    return value;
  }

  /**
   * Reads every customer's month-to-date spend, budget and currency in one
   * listing (`GET /v1/customers/usagerecords`, following continuation pages),
   * parsed and validated; entries naming no customer tenant id are left out.
   * App+User only, as {@link getUsageSummary}.
   *
   * @param operation - the operation the listing belongs to (a new one by default)
   */
  async listUsageRecords(operation: OperationContext = this.startOperation()): Promise<WireUsageRecord[]> {
    const records: WireUsageRecord[] = [];
    for await (const { identity, page } of this.#answeredPages(
      { subject: "usage record list", method: "GET", path: "/v1/customers/usagerecords" },
      operation,
      parseUsageRecordPage,
    )) {
      records.push(...page.records);
      if (records.length > MAX_USAGE_RECORDS)
        throw new UnusableAnswerError(
          identity,
          `the usage record list goes on past ${MAX_USAGE_RECORDS} records; stopped`,
        );
    }
    return records;
  }

  /**
   * Reads the partner's activity log, page by page (newest first).
   *
   * @param operation - the operation the reading belongs to
   * @param query - `startDate`/`endDate` (yyyy-mm-dd, within 90 days), an optional one-field filter, the page size
   */
  async *listAuditRecords(
    operation: OperationContext,
    query: {
      startDate?: string;
      endDate?: string;
      filter?: {
        Field: "CustomerId" | "CompanyName" | "ResourceType";
        Value: string;
        Operator: "equals" | "substring";
      };
      size?: number;
    },
  ): AsyncGenerator<WireAuditPage> {
    const params = new URLSearchParams();
    if (query.startDate) params.set("startDate", query.startDate);
    if (query.endDate) params.set("endDate", query.endDate);
    if (query.filter) params.set("filter", JSON.stringify(query.filter));
    params.set("size", String(query.size ?? 500));
    yield* this.#pages(
      { subject: "activity log", method: "GET", path: `/v1/auditrecords?${params}` },
      operation,
      parseAuditPage,
    );
  }

  /**
   * Follows a collection's continuation links: on the endpoint's origin only,
   * of bounded length, never repeating a page, at most {@link MAX_COLLECTION_PAGES}.
   */
  async *#pages<P extends { next?: Continuation }>(
    first: RequestPlan,
    operation: OperationContext,
    parse: (text: string) => P,
  ): AsyncGenerator<P> {
    for await (const { page } of this.#answeredPages(first, operation, parse)) yield page;
  }

  /** {@link #pages}, each page with the identity of the request that fetched it (for an error about the page). */
  async *#answeredPages<P extends { next?: Continuation }>(
    first: RequestPlan,
    operation: OperationContext,
    parse: (text: string) => P,
  ): AsyncGenerator<{ identity: RequestIdentity; page: P }> {
    let plan: RequestPlan = first;
    const what = first.subject;
    // A SHA-256 digest of each request followed, not its link and token: a fixed 44 characters per page, however long they are.
    const seen = new Set<string>();
    for (let pages = 1; ; pages++) {
      const { identity, value: page }: { identity: RequestIdentity; value: P } = await this.#sender.send(
        plan,
        operation,
        parse,
      );
      yield { identity, page };
      if (!page.next) return;
      const next: RequestPlan = {
        subject: first.subject,
        method: "GET",
        path: this.#continuationPath(page.next.uri, identity),
        headers: this.#continuationHeaders(page.next, identity),
      };
      // The path and token as they are sent: links that differ only in their fragment (never sent) ask for the same page.
      const digest = createHash("sha256")
        .update(`${next.path}\u0000${page.next.continuationToken ?? ""}`)
        .digest("base64");
      if (seen.has(digest))
        throw new UnusableAnswerError(
          identity,
          `the ${what}'s continuation link repeats an earlier page (page ${pages}); stopped instead of looping`,
        );
      if (pages >= MAX_COLLECTION_PAGES)
        throw new UnusableAnswerError(identity, `the ${what} goes on past ${MAX_COLLECTION_PAGES} pages; stopped`);
      seen.add(digest);
      plan = next;
    }
  }

  /** The one header a continuation sends: its token, checked to be a header value of sane length. */
  #continuationHeaders(next: Continuation, identity: RequestIdentity): Record<string, string> {
    const what = identity.subject;
    const token = next.continuationToken;
    if (token === undefined) return {};
    if (token.length > MAX_CONTINUATION_TOKEN_CHARS) {
      throw new UnusableAnswerError(
        identity,
        `the ${what}'s continuation token is ${token.length} characters long; the most followed is ${MAX_CONTINUATION_TOKEN_CHARS}`,
      );
    }
    if (!HEADER_VALUE.test(token))
      throw new UnusableAnswerError(
        identity,
        `the ${what}'s continuation token has characters a header cannot carry (control characters, non-ASCII, or none at all); not followed`,
      );
    return { [CONTINUATION_TOKEN_HEADER]: token };
  }

  /**
   * A continuation link as a path on the configured endpoint, its fragment
   * dropped. The bearer token goes to the endpoint's origin only: a link
   * elsewhere is refused, and so is one too long to be Partner Center's.
   */
  #continuationPath(uri: string, identity: RequestIdentity): string {
    const what = identity.subject;
    if (uri.length > MAX_CONTINUATION_LINK_CHARS) {
      throw new UnusableAnswerError(
        identity,
        `the ${what}'s continuation link is ${uri.length} characters long; the most followed is ${MAX_CONTINUATION_LINK_CHARS}`,
      );
    }
    const endpoint = new URL(this.#endpoint);
    let target: URL;
    try {
      target = new URL(uri, endpoint);
    } catch {
      throw new UnusableAnswerError(
        identity,
        `the ${what}'s continuation link ${JSON.stringify(displayText(uri, 100))} is not a URL`,
      );
    }
    if (target.origin !== endpoint.origin) {
      throw new UnusableAnswerError(
        identity,
        `the ${what}'s continuation link points to ${target.origin}, not to ${endpoint.origin}: not followed, so that the token goes to the configured endpoint only`,
      );
    }
    return `${target.pathname}${target.search}`;
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.#transport.close();
  }
}

function budgetPath(customerId: string): string {
  return `/v1/customers/${encodeURIComponent(customerId)}/usagebudget`;
}
