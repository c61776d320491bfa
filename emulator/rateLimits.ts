/**
 * The shapes of rate limit a gateway in front of Partner Center may apply.
 * Each decides, for a request at a given time, whether it goes through or is
 * answered 429 with a `Retry-After` in whole seconds, as an API gateway's
 * rate-limit policy does. Time is passed in (ms), so every shape is tested
 * without waiting.
 */

/** A token bucket: `perSecond` refilled, at most `burst` at once (default: one second's worth). */
export interface TokenBucketLimit {
  readonly shape?: "tokenBucket";
  /** Requests per second refilled. */
  readonly perSecond: number;
  /** Requests that may go at once after a quiet period (default: one second's worth). */
  readonly burst?: number;
}

/**
 * At most `quota` requests per window of `windowSeconds`, windows following
 * each other from the first request; `Retry-After` is the rest of the window.
 */
export interface FixedWindowLimit {
  readonly shape: "fixedWindow";
  /** Requests accepted per window. */
  readonly quota: number;
  /** The window's length in seconds. */
  readonly windowSeconds: number;
}

/**
 * At most `quota` requests within any `windowSeconds`; `Retry-After` is the
 * time until the oldest accepted request leaves the window (a slot frees).
 */
export interface SlidingWindowLimit {
  readonly shape: "slidingWindow";
  /** Requests accepted within any window. */
  readonly quota: number;
  /** The window's length in seconds. */
  readonly windowSeconds: number;
}

/** A rate limit of any shape. */
export type RateLimit = TokenBucketLimit | FixedWindowLimit | SlidingWindowLimit;

/** One limit's state. */
export interface Limiter {
  /**
   * Takes a slot for a request at `now` (ms).
   *
   * @returns 0 when the request goes through, else the whole seconds (at least 1) of `Retry-After`
   */
  take(now: number): number;
  /** The earliest time (ms, exact, not rounded) at or after `now` when a request would go through. */
  nextFree(now: number): number;
  /** An independent copy of the current state. */
  clone(): Limiter;
}

/** The whole seconds of `Retry-After` for a wait of `ms`, at least 1 (a gateway never answers 0). */
function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

class TokenBucket implements Limiter {
  readonly #perSecond: number;
  readonly #burst: number;
  #tokens: number;
  #last: number | undefined;

  constructor(limit: TokenBucketLimit) {
    this.#perSecond = limit.perSecond;
    this.#burst = limit.burst ?? Math.max(1, limit.perSecond);
    this.#tokens = this.#burst;
  }

  take(now: number): number {
    if (this.#last !== undefined)
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#perSecond);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return retryAfterSeconds(((1 - this.#tokens) / this.#perSecond) * 1000);
  }

  nextFree(now: number): number {
    const tokens =
      this.#last === undefined
        ? this.#tokens
        : Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#perSecond);
    return tokens >= 1 ? now : now + ((1 - tokens) / this.#perSecond) * 1000;
  }

  clone(): Limiter {
    const copy = new TokenBucket({ perSecond: this.#perSecond, burst: this.#burst });
    copy.#tokens = this.#tokens;
    copy.#last = this.#last;
    return copy;
  }
}

class FixedWindow implements Limiter {
  readonly #quota: number;
  readonly #windowMs: number;
  #windowStart: number | undefined;
  #used = 0;

  constructor(limit: FixedWindowLimit) {
    this.#quota = limit.quota;
    this.#windowMs = limit.windowSeconds * 1000;
  }

  take(now: number): number {
    this.#windowStart ??= now;
    if (now >= this.#windowStart + this.#windowMs) {
      this.#windowStart += Math.floor((now - this.#windowStart) / this.#windowMs) * this.#windowMs;
      this.#used = 0;
    }
    if (this.#used < this.#quota) {
      this.#used += 1;
      return 0;
    }
    return retryAfterSeconds(this.#windowStart + this.#windowMs - now);
  }

  nextFree(now: number): number {
    if (this.#windowStart === undefined || now >= this.#windowStart + this.#windowMs || this.#used < this.#quota)
      return now;
    return this.#windowStart + this.#windowMs;
  }

  clone(): Limiter {
    const copy = new FixedWindow({ shape: "fixedWindow", quota: this.#quota, windowSeconds: this.#windowMs / 1000 });
    copy.#windowStart = this.#windowStart;
    copy.#used = this.#used;
    return copy;
  }
}

class SlidingWindow implements Limiter {
  readonly #quota: number;
  readonly #windowMs: number;
  /** Times of the accepted requests still inside the window, oldest first, from `#head`. */
  readonly #accepted: number[] = [];
  #head = 0;

  constructor(limit: SlidingWindowLimit) {
    this.#quota = limit.quota;
    this.#windowMs = limit.windowSeconds * 1000;
  }

  take(now: number): number {
    while (this.#head < this.#accepted.length && (this.#accepted[this.#head] ?? 0) <= now - this.#windowMs)
      this.#head += 1;
    if (this.#head > 4096 && this.#head * 2 > this.#accepted.length) {
      this.#accepted.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#accepted.length - this.#head < this.#quota) {
      this.#accepted.push(now);
      return 0;
    }
    return retryAfterSeconds((this.#accepted[this.#head] ?? now) + this.#windowMs - now);
  }

  nextFree(now: number): number {
    const inWindow = this.#accepted.slice(this.#head).filter((time) => time > now - this.#windowMs);
    return inWindow.length < this.#quota ? now : (inWindow[inWindow.length - this.#quota] ?? now) + this.#windowMs;
  }

  clone(): Limiter {
    const copy = new SlidingWindow({
      shape: "slidingWindow",
      quota: this.#quota,
      windowSeconds: this.#windowMs / 1000,
    });
    copy.#accepted.push(...this.#accepted.slice(this.#head));
    return copy;
  }
}

/**
 * The state of one limit, empty (a full bucket, a fresh window).
 *
 * @param limit - the limit's shape and numbers
 */
export function createLimiter(limit: RateLimit): Limiter {
  switch (limit.shape) {
    case "fixedWindow":
      return new FixedWindow(limit);
    case "slidingWindow":
      return new SlidingWindow(limit);
    default:
      return new TokenBucket(limit);
  }
}

/**
 * Takes a slot for a request ready at `time`, at the earliest moment the
 * limiter accepts it.
 *
 * @returns when the request went through (ms)
 */
export function admitAt(limiter: Limiter, time: number): number {
  let at = limiter.nextFree(time);
  // nextFree is exact; a float's rounding may leave the slot a hair short, so step on until it is taken (bounded).
  for (let tries = 0; limiter.take(at) !== 0 && tries < 10; tries++) at = Math.max(limiter.nextFree(at), at + 1e-6);
  return at;
}

/** The average requests per second a limit allows over a long run. */
export function sustainedRate(limit: RateLimit): number {
  return limit.shape === "fixedWindow" || limit.shape === "slidingWindow"
    ? limit.quota / limit.windowSeconds
    : limit.perSecond;
}

/**
 * Reads a limit written as on the emulator's command line:
 * `N` or `bucket:N[:BURST]` (requests per second, burst), `fixed:QUOTA/SECONDS`,
 * `sliding:QUOTA/SECONDS`.
 *
 * @returns the limit, or a sentence saying what is wrong
 */
export function parseRateLimit(text: string): RateLimit | string {
  const positive = (value: string | undefined): number | undefined => {
    const number = Number(value);
    return value !== undefined && value !== "" && Number.isInteger(number) && number >= 1 ? number : undefined;
  };
  const bucket = /^(?:bucket:)?([^:/]+)(?::([^:/]+))?$/.exec(text);
  if (bucket) {
    const perSecond = positive(bucket[1]);
    const burst = bucket[2] === undefined ? undefined : positive(bucket[2]);
    if (perSecond !== undefined && (bucket[2] === undefined || burst !== undefined))
      return burst === undefined ? { perSecond } : { perSecond, burst };
  }
  const window = /^(fixed|sliding):([^/]+)\/(.+)$/.exec(text);
  if (window) {
    const quota = positive(window[2]);
    const windowSeconds = positive(window[3]);
    if (quota !== undefined && windowSeconds !== undefined)
      return { shape: window[1] === "fixed" ? "fixedWindow" : "slidingWindow", quota, windowSeconds };
  }
  return `${JSON.stringify(text)} is not a limit: write N or bucket:N[:BURST] (N requests per second, bursts of BURST), fixed:QUOTA/SECONDS or sliding:QUOTA/SECONDS (QUOTA requests per window), whole numbers of at least 1`;
}

/** A limit in the words of the emulator's command line, for reports. */
export function describeRateLimit(limit: RateLimit): string {
  switch (limit.shape) {
    case "fixedWindow":
      return `fixed:${limit.quota}/${limit.windowSeconds}`;
    case "slidingWindow":
      return `sliding:${limit.quota}/${limit.windowSeconds}`;
    default:
      return limit.burst === undefined ? `bucket:${limit.perSecond}` : `bucket:${limit.perSecond}:${limit.burst}`;
  }
}
