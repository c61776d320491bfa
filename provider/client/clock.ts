import { setTimeout as delay } from "node:timers/promises";

/** Time as the client sees it; tests substitute a fake one so that a 60 s wait takes no time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits `ms` milliseconds, or rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The longest delay a Node timer takes (about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The delay to give a timer for a wait of `ms`: never more than
 * {@link MAX_TIMER_MS}, so that an absurd `Retry-After` wakes late and
 * re-checks instead of overflowing into a 1 ms loop.
 */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}

/** The furthest a `Date` reaches either side of the epoch (ms). */
const MAX_DATE_MS = 8.64e15;

/**
 * `ms` as an ISO 8601 time for a message, or, for a value no `Date` can hold,
 * the number itself: formatting a time must never throw.
 */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : `${ms} ms after the epoch`;
}

/**
 * The real clock: the epoch time at the process's start plus monotonic time since, so that a wall clock stepped back
 * (NTP, a VM resumed) cannot hold a pause or a paced request for as long as the step. A wait longer than a timer can
 * hold ends early; callers re-check the time.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: async (ms, signal) => {
    if (ms > 0) await delay(timerDelay(ms), undefined, { signal });
    else signal?.throwIfAborted();
  },
};
