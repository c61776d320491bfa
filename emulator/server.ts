import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { closeServer, listenOnLoopback } from "./listen";
import { setTimeout as delay } from "node:timers/promises";
import { AuditLog, newPartnerId } from "./auditLog";
import { FaultInjector, type AnswerFault, type FaultSettings, type RequestFault } from "./faults";
import {
  budgetReply,
  customerPageReply,
  ERROR_CODES,
  errorReply,
  serverErrorReply,
  throttledReply,
  type EmulatorReply,
} from "./responses";
import { DEMO_CUSTOMERS, type CustomerRecord } from "./seed";
import { CustomerStore } from "./store";
import {
  APP_ONLY,
  mfaRefusal,
  spendRefusal,
  USAGE_RECORDS_PATH,
  USAGE_SUMMARY_PATH,
  usageRecordPageReply,
  usageSummaryReply,
  type TokenIdentity,
} from "./usage";

/** How to start the emulator. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; 0 (the default here) picks a free one. */
  port?: number;
  /** The customers to seed (the demo customers by default). */
  customers?: readonly CustomerRecord[];
  /** A JSON file to keep the state in across restarts. */
  statePath?: string;
  /** The bearer token requests must carry (random by default). */
  accessToken?: string;
  /** Prefix every JSON body with a UTF-8 byte order mark, as some real responses do. */
  byteOrderMark?: boolean;
  /** Customers per page of `GET /v1/customers` when the request gives no `size`. */
  defaultPageSize?: number;
  /**
   * Accepts Entra-issued access tokens too: returns why a token is refused, or
   * undefined when it is valid (see `EntraEmulator.verifyAccessToken`).
   */
  tokenVerifier?: (token: string) => string | undefined;
  /** Who a token `tokenVerifier` accepted speaks for (see `EntraEmulator.tokenIdentity`); app-only unless given. */
  tokenIdentity?: (token: string) => TokenIdentity;
  /** Who the static {@link accessToken} speaks for: app-only unless given (the spend calls refuse it then). */
  accessTokenIdentity?: TokenIdentity;
  /** Faults to inject from the start (see {@link FaultInjector}; change them later with `faults.configure`). */
  faults?: FaultSettings;
}

/** One request the emulator received, for tests to inspect. */
export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Request headers, names in lowercase. */
  headers: Record<string, string | undefined>;
  /** The body as received. */
  body: string;
  /** The status answered; 0 when the connection was dropped. */
  status: number;
  /** When it arrived (ms since the epoch). */
  time: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BUDGET_PATH = /^\/v1\/customers\/([^/]+)\/usagebudget$/;
const CUSTOMERS_PATH = "/v1/customers";
const AUDIT_PATH = "/v1/auditrecords";
/** Not Partner Center's: the emulator's hook for "someone changes a budget in the portal" (`{"amount": …, "user": "…"}`). */
const PORTAL_PATH = /^\/_emulator\/portal\/customers\/([^/]+)\/usagebudget$/;
/** Not Partner Center's: the emulator's hook for "the customer's month-to-date use changed" (`{"spend": …, "currency": "EUR"}`). */
const USAGE_HOOK_PATH = /^\/_emulator\/usage\/customers\/([^/]+)$/;
/** What a currency code is (ISO 4217's shape). */
const CURRENCY = /^[A-Z]{3}$/;

function sameBudget(a: number | null, b: number | null): boolean {
  return a === b || (a !== null && b !== null && Math.round(a * 100) === Math.round(b * 100));
}

/** An error answer that quotes the request back in its description (or its HTML page). */
function echoRequest(reply: EmulatorReply, request: string): EmulatorReply {
  if (reply.raw) return { ...reply, raw: { ...reply.raw, text: `${reply.raw.text}<!-- request: ${request} -->` } };
  const body = reply.body as { description?: string; message?: string } | undefined;
  if (body?.description !== undefined)
    return { ...reply, body: { ...body, description: `${body.description} (request: ${request})` } };
  if (body?.message !== undefined)
    return { ...reply, body: { ...body, message: `${body.message} (request: ${request})` } };
  return reply;
}

/**
 * A local Partner Center: a real HTTP server on 127.0.0.1 serving the usage
 * budget, customer list, activity log and spend APIs with the service's
 * errors and quirks (the spend calls refuse app-only tokens and, since
 * April 2026, App+User tokens without MFA).
 */
export class PartnerCenterEmulator {
  /** Every request received since start (or the last {@link clearRequests}). */
  readonly requests: RecordedRequest[] = [];
  /** The bearer token requests must carry. */
  readonly accessToken: string;
  /** The faults injected, and how many of each so far. */
  readonly faults: FaultInjector;
  /** TCP connections accepted since start. */
  connectionsOpened = 0;
  /** The partner's activity log: every budget change served, through the API or the portal hooks. */
  readonly audit = new AuditLog(newPartnerId(), () => Date.now());
  /** The application id the log records for changes made through the API. */
  applicationId = "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
  /** The most requests it was serving at once (since start or the last {@link clearRequests}). */
  maxInFlight = 0;
  #inFlight = 0;
  /** Callbacks waiting for a number of requests (see {@link onRequestCount}). */
  readonly #countWatchers: {
    remaining: number;
    matches: (request: RecordedRequest) => boolean;
    callback: () => void;
  }[] = [];
  readonly #store: CustomerStore;
  readonly #server: Server;
  readonly #byteOrderMark: boolean;
  readonly #defaultPageSize: number;
  readonly #tokenVerifier: ((token: string) => string | undefined) | undefined;
  readonly #tokenIdentity: (token: string) => TokenIdentity;
  readonly #accessTokenIdentity: TokenIdentity;

  private constructor(options: EmulatorOptions) {
    this.accessToken = options.accessToken ?? `emulator-${randomBytes(16).toString("hex")}`;
    this.#store = new CustomerStore(options.customers ?? DEMO_CUSTOMERS, options.statePath);
    this.#byteOrderMark = options.byteOrderMark ?? false;
    this.#defaultPageSize = options.defaultPageSize ?? 100;
    this.faults = new FaultInjector(options.faults);
    this.#tokenVerifier = options.tokenVerifier;
    this.#tokenIdentity = options.tokenIdentity ?? (() => APP_ONLY);
    this.#accessTokenIdentity = options.accessTokenIdentity ?? APP_ONLY;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 60_000;
    this.#server.on("connection", () => (this.connectionsOpened += 1));
  }

  /**
   * Starts an emulator on 127.0.0.1.
   *
   * @param options - port, seed, token and quirks
   */
  static async start(options: EmulatorOptions = {}): Promise<PartnerCenterEmulator> {
    const emulator = new PartnerCenterEmulator(options);
    await listenOnLoopback(emulator.#server, options.port ?? 0);
    return emulator;
  }

  /** The base URL to give the provider as `partnercenter:endpoint`. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The customers' current state (copies). */
  customers(): CustomerRecord[] {
    return this.#store.all().map((customer) => ({ ...customer }));
  }

  /** The budget of a customer as the portal would show it; undefined for an unknown customer. */
  budgetOf(customerId: string): number | null | undefined {
    return this.#store.get(customerId)?.amount;
  }

  /**
   * Changes a budget out of band, as a person in the portal would; the
   * activity log records it under `user`.
   */
  setBudget(customerId: string, amount: number | null, user = "admin@partner.onmicrosoft.com"): void {
    const before = this.#store.get(customerId);
    const after = this.#store.update(customerId, { amount });
    if (before)
      this.audit.recordBudgetChange(after, before.amount, amount, {
        userPrincipalName: user,
        applicationId: "Partner Center Web",
      });
  }

  /**
   * Changes a customer's month-to-date spend (and billing currency), as the
   * customer's use would; the usage answers and `percentUsed` follow.
   */
  setSpend(customerId: string, spend: number, currency?: string): void {
    this.#store.update(customerId, currency === undefined ? { spend } : { spend, currency });
  }

  /** Adds a customer (or replaces one with the same id). */
  addCustomer(customer: CustomerRecord): void {
    this.#store.put(customer);
  }

  /** Deletes a customer's tenant: it answers 404 from now on. */
  removeCustomer(customerId: string): void {
    this.#store.remove(customerId);
  }

  /** Ends (or restores) the partner's relationship with a customer: 403, code 20002. */
  setRelationship(customerId: string, relationship: boolean): void {
    this.#store.update(customerId, { relationship });
  }

  /**
   * Calls `callback` once, synchronously, as the `count`th request from now
   * that `matches` (every request by default) is recorded: for tests that
   * act at a point of a run measured in requests, never in time.
   */
  onRequestCount(
    count: number,
    callback: () => void,
    matches: (request: RecordedRequest) => boolean = () => true,
  ): void {
    if (count <= 0) callback();
    else this.#countWatchers.push({ remaining: count, matches, callback });
  }

  #record(request: RecordedRequest): void {
    this.requests.push(request);
    for (let index = this.#countWatchers.length - 1; index >= 0; index -= 1) {
      const watcher = this.#countWatchers[index]!;
      if (!watcher.matches(request) || --watcher.remaining > 0) continue;
      this.#countWatchers.splice(index, 1);
      watcher.callback();
    }
  }

  /** Forgets the recorded requests. */
  clearRequests(): void {
    this.requests.length = 0;
    this.maxInFlight = this.#inFlight;
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    await closeServer(this.#server);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    res.once("close", () => (this.#inFlight -= 1));
    const time = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers))
      headers[name] = Array.isArray(value) ? value.join(", ") : value;
    const url = new URL(req.url ?? "/", "http://emulator");
    const method = req.method ?? "GET";
    const record = (status: number): void =>
      this.#record({ method, path: url.pathname + url.search, headers, body, status, time });
    const latency = this.faults.latencyMs();
    if (latency > 0) await delay(latency);
    const fault = this.faults.beforeServing(BUDGET_PATH.exec(url.pathname)?.[1]?.toLowerCase(), Date.now());
    if (fault?.kind === "drop") {
      record(0);
      req.socket.destroy();
      return;
    }
    let reply: EmulatorReply;
    try {
      reply = fault ? this.#faultReply(fault) : this.#route(method, url, headers, body);
    } catch (error) {
      reply = errorReply(500, 500, `emulator failure: ${(error as Error).message}`);
    }
    record(reply.status);
    if (reply.status >= 400 && this.faults.echoesRequests)
      reply = echoRequest(
        reply,
        `${method} ${url.pathname}${url.search}; Authorization: ${headers.authorization ?? ""}; body: ${body}`,
      );
    const answerFault = reply.status < 300 ? this.faults.answering(method === "PATCH") : undefined;
    if (answerFault?.kind === "drop") {
      req.socket.destroy();
      return;
    }
    this.#send(res, reply, headers, answerFault);
  }

  #faultReply(fault: Exclude<RequestFault, { kind: "drop" }>): EmulatorReply {
    switch (fault.kind) {
      case "throttle":
        return throttledReply(fault.retryAfterSeconds);
      case "serverError":
        return serverErrorReply(fault.status, this.faults.counters[`status${fault.status}`] % 2 === 0);
      case "gatewayNotFound":
        return {
          status: 404,
          raw: {
            text: "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>",
            contentType: "text/html",
          },
        };
      case "unauthorized":
        return errorReply(401, 401, "The access token has expired.", {
          "www-authenticate": 'Bearer error="invalid_token", error_description="The token is expired"',
        });
    }
  }

  #route(method: string, url: URL, headers: Record<string, string | undefined>, body: string): EmulatorReply {
    const caller = this.#authenticate(headers.authorization);
    if ("status" in caller) return caller;
    const withoutMfa = mfaRefusal(caller);
    if (withoutMfa) return withoutMfa;
    if (url.pathname === USAGE_RECORDS_PATH && method === "GET")
      return spendRefusal(caller) ?? this.#listUsageRecords(url, headers["ms-continuationtoken"]);
    const summary = USAGE_SUMMARY_PATH.exec(url.pathname);
    if (summary && method === "GET") {
      const refused = spendRefusal(caller);
      if (refused) return refused;
      const customer = this.#customerFor(decodeURIComponent(summary[1] ?? ""));
      return "status" in customer ? customer : usageSummaryReply(customer, Date.now());
    }
    const budget = BUDGET_PATH.exec(url.pathname);
    if (budget) {
      if (method !== "GET" && method !== "PATCH")
        return errorReply(405, 405, `The requested resource does not support http method '${method}'.`);
      const customer = this.#customerFor(decodeURIComponent(budget[1] ?? ""));
      if ("status" in customer) return customer;
      return method === "GET" ? budgetReply(customer) : this.#patchBudget(customer, body);
    }
    if (url.pathname === CUSTOMERS_PATH && method === "GET")
      return this.#listCustomers(url, headers["ms-continuationtoken"]);
    if (url.pathname === AUDIT_PATH && method === "GET") return this.audit.query(url, headers["ms-continuationtoken"]);
    const portal = PORTAL_PATH.exec(url.pathname);
    if (portal && method === "PATCH") return this.#portalChange(decodeURIComponent(portal[1] ?? ""), body);
    const usage = USAGE_HOOK_PATH.exec(url.pathname);
    if (usage && method === "PATCH") return this.#usageChange(decodeURIComponent(usage[1] ?? ""), body);
    return errorReply(404, 404, `No resource at ${url.pathname}`);
  }

  /** The caller a request's bearer token speaks for, or the refusal of a missing or invalid token. */
  #authenticate(authorization: string | undefined): EmulatorReply | TokenIdentity {
    const challenge = { "www-authenticate": 'Bearer realm="api.partnercenter.microsoft.com", error="invalid_token"' };
    const match = /^Bearer (\S+)$/i.exec(authorization ?? "");
    if (!match)
      return errorReply(401, ERROR_CODES.tokenMissing, "Partner token is missing from the request.", challenge);
    const token = match[1] ?? "";
    if (token === this.accessToken) return this.#accessTokenIdentity;
    const refused = this.#tokenVerifier ? this.#tokenVerifier(token) : "unknown token";
    if (refused !== undefined)
      return errorReply(401, 401, `The access token is invalid or has expired: ${refused}.`, challenge);
    return this.#tokenIdentity(token);
  }

  #customerFor(id: string): CustomerRecord | EmulatorReply {
    if (!GUID.test(id)) return errorReply(400, ERROR_CODES.invalidCustomerId, `Invalid customer id: ${id}`);
    const customer = this.#store.get(id);
    if (!customer) return errorReply(404, ERROR_CODES.tenantNotFound, `Tenant ${id} was not found.`);
    if (!customer.relationship) {
      return errorReply(
        403,
        ERROR_CODES.noRelationship,
        "Partner does not have a commerce relationship with the customer.",
      );
    }
    return customer;
  }

  #patchBudget(customer: CustomerRecord, body: string): EmulatorReply {
    let document: unknown;
    try {
      document = JSON.parse(body.replace(/^\uFEFF/, ""));
    } catch {
      return errorReply(400, ERROR_CODES.invalidInput, "The request body is not valid JSON.");
    }
    if (document === null || typeof document !== "object" || Array.isArray(document)) {
      return errorReply(400, ERROR_CODES.invalidInput, "The request body must be a SpendingBudget object.");
    }
    const amountKey = Object.keys(document).find((key) => key.toLowerCase() === "amount");
    if (amountKey === undefined) return errorReply(400, ERROR_CODES.invalidInput, "Amount is required.");
    const amount = (document as Record<string, unknown>)[amountKey];
    if (amount !== null && (typeof amount !== "number" || !Number.isFinite(amount) || amount < 0)) {
      return errorReply(
        400,
        ERROR_CODES.invalidInput,
        `Amount ${JSON.stringify(amount)} is not a valid spending budget.`,
      );
    }
    const updated = this.#store.update(customer.id, { amount });
    if (!sameBudget(customer.amount, amount))
      this.audit.recordBudgetChange(updated, customer.amount, amount, { applicationId: this.applicationId });
    return budgetReply(updated);
  }

  #portalChange(customerId: string, body: string): EmulatorReply {
    let change: { amount?: unknown; user?: unknown };
    try {
      change = JSON.parse(body) as typeof change;
    } catch {
      return errorReply(
        400,
        ERROR_CODES.invalidInput,
        'The body must be {"amount": number | null, "user": "name@domain"}.',
      );
    }
    const amount = change.amount;
    if (
      !this.#store.get(customerId) ||
      (amount !== null && (typeof amount !== "number" || !(amount >= 0))) ||
      typeof change.user !== "string"
    ) {
      return errorReply(
        400,
        ERROR_CODES.invalidInput,
        'The body must be {"amount": number | null, "user": "name@domain"} for a known customer.',
      );
    }
    this.setBudget(customerId, amount, change.user);
    return budgetReply(this.#store.get(customerId)!);
  }

  #usageChange(customerId: string, body: string): EmulatorReply {
    let change: { spend?: unknown; currency?: unknown };
    try {
      change = JSON.parse(body) as typeof change;
    } catch {
      change = {};
    }
    const { spend, currency } = change;
    if (
      !this.#store.get(customerId) ||
      typeof spend !== "number" ||
      !(spend >= 0) ||
      (currency !== undefined && (typeof currency !== "string" || !CURRENCY.test(currency)))
    ) {
      return errorReply(
        400,
        ERROR_CODES.invalidInput,
        'The body must be {"spend": number >= 0, "currency"?: "ISO 4217 code"} for a known customer.',
      );
    }
    this.setSpend(customerId, spend, currency);
    return usageSummaryReply(this.#store.get(customerId)!, Date.now());
  }

  #listCustomers(url: URL, continuationToken: string | undefined): EmulatorReply {
    const size = Number(url.searchParams.get("size") ?? this.#defaultPageSize);
    if (!Number.isInteger(size) || size < 1 || size > 1000)
      return errorReply(400, ERROR_CODES.invalidInput, `Invalid page size ${url.searchParams.get("size")}.`);
    const page = this.#pageOf(url, continuationToken, size);
    return "status" in page ? page : customerPageReply(page.customers, page.total, size, page.token);
  }

  /** Every customer with a relationship, in pages of the default size (the API documents no `size` for it). */
  #listUsageRecords(url: URL, continuationToken: string | undefined): EmulatorReply {
    const page = this.#pageOf(url, continuationToken, this.#defaultPageSize);
    return "status" in page ? page : usageRecordPageReply(page.customers, page.total, page.token, Date.now());
  }

  /** The page a listing's request asks for: from the start, or from the offset its continuation token names. */
  #pageOf(
    url: URL,
    continuationToken: string | undefined,
    size: number,
  ): EmulatorReply | { customers: CustomerRecord[]; total: number; token?: string } {
    let offset = 0;
    if (url.searchParams.get("seekOperation") === "Next") {
      const decoded = /^offset:(\d+)$/.exec(Buffer.from(continuationToken ?? "", "base64url").toString("utf8"));
      if (!decoded) return errorReply(400, ERROR_CODES.invalidInput, "The continuation token is missing or invalid.");
      offset = Number(decoded[1]);
    }
    const listed = this.#store.all().filter((customer) => customer.relationship);
    const customers = listed.slice(offset, offset + size);
    const nextOffset = offset + customers.length;
    return nextOffset < listed.length
      ? { customers, total: listed.length, token: Buffer.from(`offset:${nextOffset}`).toString("base64url") }
      : { customers, total: listed.length };
  }

  #send(
    res: ServerResponse,
    reply: EmulatorReply,
    requestHeaders: Record<string, string | undefined>,
    fault: AnswerFault,
  ): void {
    if (res.destroyed) return;
    const json = reply.body === undefined ? "" : `${this.#byteOrderMark ? "\uFEFF" : ""}${JSON.stringify(reply.body)}`;
    let text = reply.raw?.text ?? json;
    if (fault?.kind === "malformed") text = text.slice(0, Math.floor(text.length / 2));
    const payload = Buffer.from(text, "utf8");
    res.writeHead(reply.status, {
      "content-type": reply.raw?.contentType ?? "application/json; charset=utf-8",
      "content-length": String(payload.length),
      "ms-requestid": requestHeaders["ms-requestid"] ?? randomUUID(),
      "ms-correlationid": requestHeaders["ms-correlationid"] ?? randomUUID(),
      ...reply.headers,
    });
    if (fault?.kind !== "slowBody") {
      res.end(payload);
      return;
    }
    // Half the body now, the rest after the stall (or never, if the client gives up first).
    const half = Math.floor(payload.length / 2);
    res.write(payload.subarray(0, half));
    const timer = setTimeout(() => res.end(payload.subarray(half)), fault.stallMs);
    res.once("close", () => clearTimeout(timer));
  }
}
