/**
 * Sends one request to Partner Center and sees it through: a turn from the
 * scheduler, a token, the HTTP exchange, the answer read and classified, and
 * retries as {@link decideRetry} decides (a 429 is waited out by the
 * scheduler, not here). The request keeps its `MS-RequestId` throughout; its
 * error is built once, with how it ended.
 */
import { settingName } from "../shared/settingNames";
import { randomUUID } from "node:crypto";
import type { Secret } from "../shared/secret";
import type { TokenCredential } from "./auth/credential";
import { BodyLimitExceeded } from "./http/boundedBody";
import type { Clock } from "./clock";
import type { OperationContext } from "./operation";
import { attempts, decideRetry, parseRetryAfter, type AttemptOutcome, type RetryPolicy } from "./retry/retry";
import { PauseOutlastsDeadline, type RequestScheduler, type SendGrant } from "./throttle/scheduler";
import type { HttpResponse, HttpTransport } from "./http/transport";
import { parseFault } from "./wire/wire";
import { displayText } from "../shared/untrustedText";
import {
  BodyTooLargeError,
  MFA_REQUIRED,
  PartnerCenterStatusError,
  PartnerCenterTransportError,
  PauseBeyondDeadlineError,
  type RequestIdentity,
  UnusableAnswerError,
  WireFormatError,
} from "../shared/errors";

/** An attempt that failed: what it ended in, and how to build its error (once, with how the request ended when that is news). */
interface AttemptFailure {
  readonly outcome: AttemptOutcome;
  /** Partner Center's error code, when the answer carried one. */
  readonly serviceCode?: string;
  readonly error: (gaveUp?: string) => Error;
}

/**
 * The most 429s one request waits out (each pause lasts at least
 * MIN_THROTTLE_PAUSE_MS and doubles while 429s come in a row, so the deadline
 * ends it long before; this bounds the loop).
 */
const MAX_THROTTLED_WAITS = 1000;

/** One request before it is sent: everything but the per-attempt token. */
export interface RequestPlan {
  /** What is asked for, in words: errors name the request by it. */
  readonly subject: string;
  readonly method: "GET" | "PATCH";
  readonly path: string;
  readonly customerId?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** What a {@link RequestSender} needs. */
export interface RequestSenderOptions {
  readonly endpoint: string;
  readonly credential: TokenCredential;
  readonly transport: HttpTransport;
  readonly locale: string;
  readonly retry: RetryPolicy;
  readonly scheduler: RequestScheduler;
  readonly clock: Clock;
  readonly random: () => number;
}

/** The answer's `MS-RequestId`, as one bounded line (a header is the server's text). */
function answeredRequestId(response: HttpResponse): string | undefined {
  const id = response.headers["ms-requestid"];
  return id === undefined ? undefined : displayText(id, 80);
}

/** Sends requests planned by the client; see the module's description. */
export class RequestSender {
  readonly #endpoint: string;
  readonly #credential: TokenCredential;
  readonly #transport: HttpTransport;
  readonly #locale: string;
  readonly #retry: RetryPolicy;
  readonly #scheduler: RequestScheduler;
  readonly #clock: Clock;
  readonly #random: () => number;

  /** @param options - where to, with what, and how to pace and retry */
  constructor(options: RequestSenderOptions) {
    this.#endpoint = options.endpoint;
    this.#credential = options.credential;
    this.#transport = options.transport;
    this.#locale = options.locale;
    this.#retry = options.retry;
    this.#scheduler = options.scheduler;
    this.#clock = options.clock;
    this.#random = options.random;
  }

  /**
   * Sends `plan` until it succeeds or retrying stops.
   *
   * @returns the request's identity and its parsed answer
   */
  async send<T>(
    plan: RequestPlan,
    operation: OperationContext,
    parse: (text: string) => T,
  ): Promise<{ identity: RequestIdentity; value: T }> {
    const identity: RequestIdentity = {
      customerId: plan.customerId,
      subject: plan.subject,
      method: plan.method,
      path: plan.path,
      requestId: randomUUID(),
      correlationId: operation.correlationId,
    };
    // Three counts, kept apart: the attempts decideRetry judges (maxRetries + 1 at most), one token renewal after a
    // 401, and the 429s the scheduler waits out within the deadline (MAX_THROTTLED_WAITS at most). Neither a renewal
    // nor a throttled wait uses up a retry. So the loop is bounded.
    let attempt = 1;
    let renewedToken = false;
    let throttledWaits = 0;
    for (;;) {
      const result = await this.#attempt(plan, identity, operation, parse);
      if ("value" in result) return { identity, value: result.value };
      let outcome = result.outcome;
      // A token refused for lacking MFA is not renewed: a renewal from the same sign-in carries the same claims.
      if (
        outcome.kind === "response" &&
        outcome.status === 401 &&
        result.serviceCode !== MFA_REQUIRED &&
        !renewedToken &&
        this.#credential.invalidate()
      ) {
        renewedToken = true;
        continue;
      }
      if (outcome.kind === "response" && outcome.status === 429) {
        // The scheduler recorded the 429 and holds the next turn until the pause it decided ends: no sleep here.
        // A pause that ends past the deadline fails now, through decideRetry, in this 429's words.
        const pauseMs = this.#scheduler.pausedUntil() - this.#clock.now();
        if (pauseMs < operation.deadline - this.#clock.now() && throttledWaits < MAX_THROTTLED_WAITS) {
          throttledWaits += 1;
          continue;
        }
        outcome = { ...outcome, retryAfterMs: pauseMs };
      }
      const decision = decideRetry(
        this.#retry,
        attempt,
        outcome,
        operation.deadline - this.#clock.now(),
        this.#random(),
      );
      if (!decision.retry)
        throw result.error(attempt > 1 || decision.stop === "deadline" ? decision.reason : undefined);
      try {
        await this.#clock.sleep(decision.delayMs, operation.signal);
      } catch {
        throw result.error(
          `gave up after ${attempts(attempt)}: the operation's deadline (${settingName("timeoutSeconds")}) passed`,
        );
      }
      attempt += 1;
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
      grant = await this.#scheduler.acquire(operation.signal, () => operation.deadline);
      operation.start();
    } catch (cause) {
      // Queued behind a pause (another request's 429) that outlasts the deadline: nothing to retry, fail at once.
      if (cause instanceof PauseOutlastsDeadline) throw new PauseBeyondDeadlineError(identity, cause.message);
      const waited = `the operation's deadline (${settingName("timeoutSeconds")}) passed while waiting for Partner Center's rate limit`;
      return {
        outcome: { kind: "transport" },
        error: (gaveUp) =>
          new PartnerCenterTransportError(identity, this.#endpoint, cause, gaveUp ? `${waited}; ${gaveUp}` : waited),
      };
    }
    let response: HttpResponse;
    let retryAfterMs: number | undefined;
    try {
      // The token when the request may go (one taken before a long pause could expire in the queue).
      // A credential failure propagates as the credential's own error; the slot is freed below either way.
      const token = await this.#credential.getToken();
      try {
        response = await this.#transport.send({
          method: plan.method,
          url: this.#url(plan),
          headers: this.#headers(plan, identity, token),
          body: plan.body,
          signal: operation.signal,
        });
      } catch (cause) {
        if (cause instanceof BodyLimitExceeded)
          return {
            outcome: { kind: "unreadable" },
            error: (gaveUp) => new BodyTooLargeError(identity, cause.message, gaveUp),
          };
        return {
          outcome: { kind: "transport" },
          error: (gaveUp) => new PartnerCenterTransportError(identity, this.#endpoint, cause, gaveUp),
        };
      }
      retryAfterMs = parseRetryAfter(response.headers["retry-after"], this.#clock.now());
      // Recorded before the slot is freed: a 429 must pause the waiter that would take its slot.
      grant.answered(response.status, retryAfterMs);
    } finally {
      grant.release();
    }
    return this.#outcome(identity, response, retryAfterMs, parse);
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
  #outcome<T>(
    identity: RequestIdentity,
    response: HttpResponse,
    retryAfterMs: number | undefined,
    parse: (text: string) => T,
  ): { value: T } | AttemptFailure {
    if (response.status >= 200 && response.status < 300) {
      try {
        return { value: parse(response.text) };
      } catch (cause) {
        if (!(cause instanceof WireFormatError)) throw cause;
        return {
          outcome: { kind: "unreadable" },
          error: (gaveUp) => new UnusableAnswerError(identity, cause.message, gaveUp),
        };
      }
    }
    const fault = parseFault(response.text, response.headers["content-type"]);
    return {
      outcome: { kind: "response", status: response.status, retryAfterMs },
      serviceCode: fault.code,
      error: (gaveUp) =>
        new PartnerCenterStatusError(identity, response.status, fault, answeredRequestId(response), gaveUp),
    };
  }
}
