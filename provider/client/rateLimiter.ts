/**
 * An adaptive client-side send rate, in the spirit of the AWS SDK's adaptive
 * retry mode: no limit until the first throttle; then a token bucket whose
 * rate drops to 70 % of the rate in force when throttled, and regrows along a
 * cubic curve (slowly near the old maximum, faster beyond it) while requests
 * succeed.
 *
 * Where it departs from the AWS design, for a service that pauses clients
 * with `Retry-After` and grants a burst after each pause:
 * - after a throttle the rate is set to the rate of *accepted* requests over
 *   the last cycle, its pause included, rather than 70 % of the sent rate
 *   (bursts make the sent rate overshoot the service's limit; the accepted
 *   rate over a cycle converges on it), then held for the cubic time window
 *   before it probes upward;
 * - throttles within a second of a decrease do not decrease again.
 *
 * Time is passed in (seconds), so the whole curve is tested without waiting.
 */

/** Multiplicative decrease on the first throttle, and the weight of the old rate in later estimates. */
const BETA = 0.7;
/** Scale of the cubic regrowth: 0.1 (AWS uses 0.4); measured with npm run bench, gentler probing halves the 429 pauses. */
const SCALE = 0.1;
/** Weight of the newest half-second in the measured send rate. */
const SMOOTHING = 0.8;
/**
 * Seconds after a decrease during which further throttles do not decrease
 * again: they answer requests sent before the first one, at the old rate, and
 * carry no news (the AWS design cuts on each, which collapses the rate to its
 * floor when many requests are in flight).
 */
const DECREASE_INTERVAL = 1;
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
  #accepted = 0;
  #acceptedAtThrottle = 0;

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
    if (!throttled) {
      this.#accepted += 1;
      if (!this.#enabled) return;
      // Hold the estimate for the time window, then probe upward along the cubic curve.
      const probing = Math.max(0, now - this.#lastThrottle - this.#timeWindow);
      this.#setRate(now, Math.min(this.#lastMaxRate + SCALE * probing ** 3, Math.max(2 * this.#measuredRate, this.#lastMaxRate)));
      return;
    }
    if (this.#enabled && now - this.#lastThrottle < DECREASE_INTERVAL) return;
    // The accepted rate over the last cycle (since the previous decrease, its pause included) is the
    // service's sustainable rate when its burst allowance is about one pause's worth. The first cycle
    // has no pause and overshoots by the burst, so it is cut by BETA like the sent rate.
    const since = this.#enabled ? this.#lastThrottle : (this.#firstRequest ?? now);
    const acceptedRate = (this.#accepted - this.#acceptedAtThrottle) / Math.max(now - since, 0.5);
    const estimate = this.#enabled
      ? Math.min(acceptedRate, this.#fillRate * BETA + acceptedRate * (1 - BETA), this.#fillRate)
      : Math.min(acceptedRate, this.#measuredRate) * BETA;
    this.#lastMaxRate = Math.max(estimate, MIN_FILL_RATE);
    this.#timeWindow = Math.cbrt((this.#lastMaxRate * (1 - BETA)) / SCALE);
    this.#lastThrottle = now;
    this.#acceptedAtThrottle = this.#accepted;
    this.#enabled = true;
    this.#setRate(now, this.#lastMaxRate);
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
