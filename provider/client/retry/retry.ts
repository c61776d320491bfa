/**
 * Retry decisions as pure functions of (attempt, outcome, time left): no I/O,
 * no timers, so every wait they decide is tested exactly on a fake clock.
 */
import { CLIENT_DEFAULTS } from "../defaults";
import { settingName } from "../../shared/settingNames";

/** The retry settings of one client. */
export interface RetryPolicy {
  /** Retries after the first attempt (so at most `maxRetries + 1` attempts). */
  readonly maxRetries: number;
  /** The first backoff ceiling; doubles with each retry. */
  readonly baseDelayMs: number;
  /** The largest backoff ceiling. */
  readonly maxDelayMs: number;
}

/** Retries 5, backoff ceilings 500 ms doubling to 30 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: CLIENT_DEFAULTS.maxRetries,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

/** What one attempt ended in. */
export type AttemptOutcome =
  | { readonly kind: "response"; readonly status: number; readonly retryAfterMs?: number }
  | { readonly kind: "unreadable" }
  | { readonly kind: "transport" };

/** Why retrying stopped: the status is not retryable, the attempts are used up, or the wait would pass the deadline. */
export type RetryStop = "status" | "attempts" | "deadline";

/** Retry after `delayMs`, or stop: why (for programs) and the sentence that says so (for people). */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly stop: RetryStop; readonly reason: string };

/** "1 attempt", "3 attempts". */
export function attempts(count: number): string {
  return `${count} attempt${count === 1 ? "" : "s"}`;
}

/** Statuses worth another attempt: timeouts, throttling, service and gateway failures. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The longest wait a `Retry-After` is read as: a day, longer than any
 * operation's deadline (`partnercenter:timeoutSeconds` is at most an hour), so
 * a longer one fails the operation at once just the same, while every time
 * computed from it stays a number a timer and a `Date` can hold.
 */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Reads `Retry-After`: delay-seconds or an HTTP date.
 *
 * @param header - the header's value
 * @param nowMs - the current time, for dates
 * @returns the wait in milliseconds, from 0 to {@link MAX_RETRY_AFTER_MS}, or undefined when absent or unreadable
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  // Digits of any length: "99999999999999999999" is a number, and read as the longest wait.
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(text);
  if (!Number.isFinite(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.min(Math.max(0, date - nowMs), MAX_RETRY_AFTER_MS);
}

/**
 * Exponential backoff with full jitter: a uniform wait between 0 and
 * min(maxDelay, base × 2^(retry − 1)).
 *
 * @param retry - 1 for the first retry
 * @param random - a number in [0, 1)
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random * ceiling);
}

/**
 * Decides whether attempt number `attempt` (1-based), which ended in
 * `outcome`, is followed by another, and after how long. `Retry-After` is
 * honoured exactly; other retryable failures back off with full jitter. No
 * retry when the attempts are used up, when the wait would pass the
 * operation's deadline, or for any other 4xx.
 *
 * @param remainingMs - time left before the operation's deadline
 * @param random - a number in [0, 1) for the jitter
 */
export function decideRetry(
  policy: RetryPolicy,
  attempt: number,
  outcome: AttemptOutcome,
  remainingMs: number,
  random: number,
): RetryDecision {
  if (outcome.kind === "response" && !RETRYABLE_STATUSES.has(outcome.status)) {
    return { retry: false, stop: "status", reason: `HTTP ${outcome.status} is not retryable` };
  }
  if (attempt > policy.maxRetries) {
    return {
      retry: false,
      stop: "attempts",
      reason: `gave up after ${attempts(attempt)} (${settingName("maxRetries")} is ${policy.maxRetries})`,
    };
  }
  const retryAfter = outcome.kind === "response" ? outcome.retryAfterMs : undefined;
  const delayMs = retryAfter ?? backoffDelay(policy, attempt, random);
  if (delayMs >= remainingMs) {
    const wait =
      retryAfter !== undefined
        ? `Retry-After asks for ${Math.ceil(delayMs / 1000)} s`
        : `the next backoff is ${delayMs} ms`;
    return {
      retry: false,
      stop: "deadline",
      reason: `gave up after ${attempts(attempt)}: ${wait}, past the operation's deadline (${settingName("timeoutSeconds")})`,
    };
  }
  return { retry: true, delayMs };
}
