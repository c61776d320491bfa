/**
 * The partner-wide send rate, adapted to Partner Center's 429s by CUBIC (RFC 9438), as the AWS SDKs' adaptive retry
 * mode does (smithy's `DefaultRateLimiter`). Nothing is held back before the first 429. A 429 sets the rate to
 * {@link BETA} × the rate requests were going at (as smithy, never above the rate in force); from then on the rate climbs back along a cubic curve that is flat
 * around that rate and steep away from it. Requests are paced one interval apart, never in bursts: a gateway's small
 * bucket refuses bursts. Two departures from smithy, both because a 429 here pauses every request for a second or more:
 * - a 429 to a request sent before the last decrease was in flight then: it decreases nothing (CUBIC's one decrease
 *   per round trip);
 * - the rate never falls on success, and grows only up to twice what went over the last second: a pause sends
 *   nothing, which smithy's smoothed meter would read as a rate near 0 just when the limit is whole again.
 */

/** The share of the rate kept after a 429 (smithy's and RFC 9438's β). */
export const BETA = 0.7;
/** CUBIC's C, in requests per second per second³ (smithy's scale constant). */
const SCALE = 0.4;
/** The slowest rate, requests per second. */
export const MIN_RATE = 0.5;
/**
 * The fastest rate, requests per second. The scheduler wakes in whole milliseconds, so it sends paced requests one a
 * millisecond at most. Kept finite so an interval is never 0 or denormal.
 */
export const MAX_RATE = 1000;
/** The meter's span, ms: the rate requests went at is what went over the last second. */
const METER_MS = 1000;

/** A rate within [{@link MIN_RATE}, {@link MAX_RATE}]. */
function clampRate(rate: number): number {
  return Math.min(MAX_RATE, Math.max(MIN_RATE, Number.isFinite(rate) ? rate : MIN_RATE));
}

/** The seconds the cubic curve takes from {@link BETA} × `plateau` back to `plateau`. */
function secondsToPlateau(plateau: number): number {
  return Math.cbrt((plateau * (1 - BETA)) / SCALE);
}

/** The send rate (see the module's description). Times are ms on any one clock. */
export class AdaptiveRate {
  /** Requests per second; undefined before the first 429 (nothing held back). */
  #rate: number | undefined;
  /** The rate at the last decrease: the cubic curve's plateau. */
  #plateau = 0;
  /** When the rate last fell (ms). */
  #decreasedAt = Number.NEGATIVE_INFINITY;
  /** When the next paced request may go (ms). */
  #nextSend = Number.NEGATIVE_INFINITY;
  /** When the first request went (ms): a meter younger than a second divides by its age. */
  #firstSend: number | undefined;
  /** Send times within the meter's span, oldest first; at most {@link MAX_RATE} of them. */
  readonly #sends: number[] = [];

  /** A rate that holds nothing back until the first 429. */
  constructor();
  /**
   * @param resumed - a rate another process reached (clamped here): requests are paced at it from the start, on the
   * curve's plateau, so it grows slowly at first
   * @param now - when (ms)
   */
  constructor(resumed: number, now: number);
  constructor(resumed?: number, now = 0) {
    if (resumed === undefined) return;
    this.#rate = clampRate(resumed);
    this.#plateau = this.#rate;
    this.#decreasedAt = now - secondsToPlateau(this.#plateau) * 1000;
  }

  /** Requests per second; undefined before the first 429. */
  get rate(): number | undefined {
    return this.#rate;
  }

  /** The earliest time (ms, at or after `now`) the next request may go. */
  nextSendTime(now: number): number {
    return this.#rate === undefined ? now : Math.max(now, this.#nextSend);
  }

  /** Records a request sent at `now` (when {@link nextSendTime} allowed it). */
  sent(now: number): void {
    this.#firstSend ??= now;
    this.#sends.push(now);
    if (this.#sends.length > MAX_RATE) this.#sends.shift();
    if (this.#rate !== undefined) this.#nextSend = Math.max(this.#nextSend, now) + 1000 / this.#rate;
  }

  /**
   * Records an answer at `now` to a request sent at `sentAt`: a 429 decreases the rate (once per round trip), any
   * other answer lets it grow along the curve.
   */
  answered(now: number, sentAt: number, throttled: boolean): void {
    if (!throttled) return this.#grow(now);
    if (sentAt < this.#decreasedAt) return;
    const measured = this.#measured(now);
    this.#plateau = clampRate(this.#rate === undefined ? measured : Math.min(measured, this.#rate));
    this.#rate = clampRate(this.#plateau * BETA);
    this.#decreasedAt = now;
  }

  /** The cubic curve at `now`: {@link BETA} × the plateau at the decrease, the plateau again K seconds later. */
  #grow(now: number): void {
    if (this.#rate === undefined) return;
    const seconds = (now - this.#decreasedAt) / 1000;
    const curve = SCALE * (seconds - secondsToPlateau(this.#plateau)) ** 3 + this.#plateau;
    const allowed = Math.min(curve, 2 * this.#measured(now));
    if (allowed > this.#rate) this.#rate = clampRate(allowed);
  }

  /** Requests per second sent over the last second (over the time since the first, when that is shorter). */
  #measured(now: number): number {
    while ((this.#sends[0] ?? Number.POSITIVE_INFINITY) <= now - METER_MS) this.#sends.shift();
    const span = Math.min(METER_MS, Math.max(1, now - (this.#firstSend ?? now)));
    return (this.#sends.length * 1000) / span;
  }
}
