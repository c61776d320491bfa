/**
 * When the next request to the partner may go: after the one partner-wide pause a 429 began, and at the
 * {@link AdaptiveRate} from then on. Partner Center does not say which of its limits (the partner's or one
 * customer's) answered a 429, so every 429 pauses every request: a guess at the scope would be wrong some of the
 * time, and one operation sends at most two requests about its customer. Pure: times are passed in (ms).
 */
import { MAX_RETRY_AFTER_MS } from "../retry/retry";
import { AdaptiveRate, MAX_RATE, MIN_RATE } from "./adaptiveRate";

/**
 * The least pause after a 429, whatever its `Retry-After` says: `0`, or a date in the past, would otherwise send
 * every refused request again at once.
 */
export const MIN_THROTTLE_PAUSE_MS = 250;

/** 429s in a row (no request accepted between) double the least pause, up to this. */
export const MAX_THROTTLE_BACKOFF_MS = 30_000;

/** The pause when a 429 carries no `Retry-After`. */
const DEFAULT_PAUSE_MS = 1000;

/** The longest remembered pause honoured, ms: a `Retry-After` longer than this is met again by the process itself. */
export const MAX_REMEMBERED_PAUSE_MS = 5 * 60 * 1000;

/** The latest time a `Date` holds, ms since the epoch. */
const MAX_DATE_MS = 8.64e15;

/** What a throttle knows that another process talking to the same partner can start from (times: ms since the epoch). */
export interface RememberedThrottle {
  /** Requests per second. */
  readonly rate: number;
  /** When requests may go again. */
  readonly pausedUntil: number;
}

/**
 * A remembered throttle within what a throttle could have reached itself: a rate in [{@link MIN_RATE},
 * {@link MAX_RATE}] and a pause that ends by `now` + {@link MAX_REMEMBERED_PAUSE_MS}. It comes from a file or another
 * process: a rate of 1e-9 would hold a queued request for ever (its deadline starts only at its first turn to send),
 * and an endless pause would too.
 *
 * @param remembered - what was remembered
 * @param now - when it is taken up (ms since the epoch)
 * @returns it clamped, or undefined when its rate or pause is not a number at all (nothing to clamp)
 */
export function clampRemembered(remembered: RememberedThrottle, now: number): RememberedThrottle | undefined {
  const { rate, pausedUntil } = remembered;
  if ([rate, pausedUntil].some((value) => typeof value !== "number" || Number.isNaN(value))) return undefined;
  const latestPause = Number.isFinite(now) ? Math.min(now + MAX_REMEMBERED_PAUSE_MS, MAX_DATE_MS) : 0;
  return {
    rate: Math.min(MAX_RATE, Math.max(MIN_RATE, rate)),
    pausedUntil: Math.min(latestPause, Math.max(0, pausedUntil)),
  };
}

/** The partner-wide pause and rate; see the module's description. */
export class PartnerThrottle {
  readonly #rate: AdaptiveRate;
  #pausedUntil = 0;
  /** 429s in a row, each to a request sent after the previous one's pause began; an acceptance resets it. */
  #streak = 0;
  /** When the streak's last pause began (ms): a 429 to a request sent before it was in flight, and adds nothing. */
  #streakPauseAt = Number.NEGATIVE_INFINITY;

  /** A throttle that holds nothing back until the first 429. */
  constructor();
  /**
   * @param remembered - what an earlier process reached with the same partner: its rate from the start, and its
   * pause; clamped here (see {@link clampRemembered}), so no caller can start from what it could not have reached
   * @param now - when the throttle starts (ms since the epoch)
   */
  constructor(remembered: RememberedThrottle | undefined, now: number);
  constructor(remembered?: RememberedThrottle, now = 0) {
    const start = remembered && clampRemembered(remembered, now);
    this.#rate = start ? new AdaptiveRate(start.rate, now) : new AdaptiveRate();
    this.#pausedUntil = start?.pausedUntil ?? 0;
  }

  /** What another process may start from; undefined before the first 429 set a rate. */
  remembered(): RememberedThrottle | undefined {
    const rate = this.#rate.rate;
    return rate === undefined ? undefined : { rate, pausedUntil: this.#pausedUntil };
  }

  /** When requests may go again (ms): the end of the pause in force, or earlier. */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Requests per second, undefined before the first 429 (see {@link AdaptiveRate}). */
  get rate(): number | undefined {
    return this.#rate.rate;
  }

  /** The earliest time (ms, at or after `now`) the next request may go. */
  nextSendTime(now: number): number {
    return this.#rate.nextSendTime(Math.max(now, this.#pausedUntil));
  }

  /**
   * Records a request sent at `now` (when {@link nextSendTime} allowed it).
   *
   * @returns the time it was sent, to pass back with its answer
   */
  sent(now: number): number {
    this.#rate.sent(now);
    return now;
  }

  /**
   * Records an answer at `now` to a request sent at `sentAt`. A 429 pauses every request until its `Retry-After`
   * ({@link DEFAULT_PAUSE_MS} without one, 24 hours at most) and at least the least pause, and lowers the rate.
   */
  answered(now: number, sentAt: number, throttled: boolean, retryAfterMs: number | undefined): void {
    if (!throttled) {
      if (sentAt >= this.#streakPauseAt) this.#streak = 0;
      this.#rate.answered(now, sentAt, false);
      return;
    }
    // Clamped here too: the scheduler is public, and a NaN or endless pause would hold every request for good.
    const asked =
      retryAfterMs === undefined || Number.isNaN(retryAfterMs)
        ? DEFAULT_PAUSE_MS
        : Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS);
    const pause = Math.max(asked, this.#leastPause(now, sentAt));
    this.#pausedUntil = Math.max(this.#pausedUntil, now + pause);
    this.#rate.answered(now, sentAt, true);
  }

  /**
   * The least pause for a 429 to a request sent at `sentAt`: {@link MIN_THROTTLE_PAUSE_MS}, doubled for each 429 in a
   * row up to {@link MAX_THROTTLE_BACKOFF_MS}. A client that obeys a `Retry-After: 0` literally spends the partner's
   * whole quota on refusals.
   */
  #leastPause(now: number, sentAt: number): number {
    if (sentAt >= this.#streakPauseAt) {
      this.#streak = Math.min(this.#streak + 1, 32);
      this.#streakPauseAt = now;
    }
    return Math.min(MAX_THROTTLE_BACKOFF_MS, MIN_THROTTLE_PAUSE_MS * 2 ** (this.#streak - 1));
  }
}
