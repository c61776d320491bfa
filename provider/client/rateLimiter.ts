/**
 * An adaptive client-side send rate, in the spirit of the AWS SDK's adaptive
 * retry mode: no limit until the first throttle; then a token bucket whose
 * rate drops to 70 % of the rate measured when throttled, and regrows along a
 * cubic curve (slowly near the old maximum, faster beyond it) while requests
 * succeed.
 *
 * Time is passed in (seconds), so the whole curve is tested without waiting.
 */

/** Multiplicative decrease on a throttle. */
const BETA = 0.7;
/** Scale of the cubic regrowth. */
const SCALE = 0.4;
/** Weight of the newest half-second in the measured send rate. */
const SMOOTHING = 0.8;
/** The bucket never refills slower than this (requests per second). */
const MIN_FILL_RATE = 0.5;

/** The limiter's state, for tests and the benchmark. */
export interface RateLimiterState {
  /** Whether a throttle has switched the bucket on. */
  readonly enabled: boolean;
  /** Requests per second the bucket allows. */
  readonly fillRate: number;
  /** The send rate measured over recent half-second buckets. */
  readonly measuredRate: number;
}

/** The adaptive send rate shared by every request to one partner. */
export class AdaptiveRateLimiter {
  #enabled = false;
  #fillRate = 0;
  #capacity = 0;
  #tokens = 0;
  #lastRefill: number | undefined;
  #lastMaxRate = 0;
  #lastThrottle = 0;
  #timeWindow = 0;
  #measuredRate = 0;
  #measureBucket: number | undefined;
  #measureCount = 0;
  #firstRequest: number | undefined;
  #bucketClosed = false;

  /** The current state. */
  get state(): RateLimiterState {
    return { enabled: this.#enabled, fillRate: this.#fillRate, measuredRate: this.#measuredRate };
  }

  /**
   * Takes one send token. Returns 0 when one is available now, else the
   * seconds to wait before asking again.
   *
   * @param now - the time in seconds
   */
  tryAcquire(now: number): number {
    if (!this.#enabled) return 0;
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return (1 - this.#tokens) / this.#fillRate;
  }

  /**
   * Records a response: a throttle lowers the rate, anything else lets it regrow.
   *
   * @param now - the time in seconds
   * @param throttled - whether the response was a 429
   */
  record(now: number, throttled: boolean): void {
    this.#measure(now);
    let rate: number;
    if (throttled) {
      const current = this.#enabled ? Math.min(this.#measuredRate, this.#fillRate) : this.#measuredRate;
      this.#lastMaxRate = current;
      this.#timeWindow = Math.cbrt((this.#lastMaxRate * (1 - BETA)) / SCALE);
      this.#lastThrottle = now;
      rate = current * BETA;
      this.#enabled = true;
    } else {
      if (!this.#enabled) return;
      this.#timeWindow = Math.cbrt((this.#lastMaxRate * (1 - BETA)) / SCALE);
      rate = SCALE * (now - this.#lastThrottle - this.#timeWindow) ** 3 + this.#lastMaxRate;
    }
    this.#setRate(now, Math.min(rate, 2 * this.#measuredRate));
  }

  #refill(now: number): void {
    if (this.#lastRefill !== undefined) {
      this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#lastRefill) * this.#fillRate);
    }
    this.#lastRefill = now;
  }

  #setRate(now: number, rate: number): void {
    this.#refill(now);
    this.#fillRate = Math.max(rate, MIN_FILL_RATE);
    this.#capacity = Math.max(rate, 1);
    this.#tokens = Math.min(this.#tokens, this.#capacity);
  }

  #measure(now: number): void {
    const bucket = Math.floor(now * 2) / 2;
    this.#measureCount += 1;
    this.#firstRequest ??= now;
    if (this.#measureBucket === undefined) {
      this.#measureBucket = bucket;
    } else if (bucket > this.#measureBucket) {
      const rate = this.#measureCount / (bucket - this.#measureBucket);
      this.#measuredRate = rate * SMOOTHING + this.#measuredRate * (1 - SMOOTHING);
      this.#measureCount = 0;
      this.#measureBucket = bucket;
      this.#bucketClosed = true;
    }
    // Before the first half-second closes, estimate from what was sent so far (over at least half a
    // second, so a burst in a few milliseconds does not read as thousands per second) rather than from zero.
    if (!this.#bucketClosed) {
      this.#measuredRate = this.#measureCount / Math.max(now - this.#firstRequest, 0.5);
    }
  }
}
