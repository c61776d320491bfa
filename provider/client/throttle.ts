import type { Clock } from "./clock";
import { AdaptiveRateLimiter } from "./rateLimiter";

/** How recent another request about the same customer must be for a 429 to be blamed on that customer. */
export const CUSTOMER_WINDOW_MS = 1000;

/** What the throttle has done, for tests and the benchmark. */
export interface ThrottleStats {
  /** 429 answers recorded. */
  throttled: number;
  /** Pauses of every request to the partner. */
  partnerPauses: number;
  /** Pauses of one customer's requests. */
  customerPauses: number;
  /** The most requests in flight at once. */
  peakInFlight: number;
}

/**
 * Paces every request of one provider process to one partner:
 * - at most `maxConcurrency` requests in flight;
 * - a 429 pauses the scope whose limit it evidently comes from until
 *   `Retry-After` has passed. Partner Center publishes no numbers and does not
 *   say which limit answered, so the scope is inferred: a 429 on a customer's
 *   first request within {@link CUSTOMER_WINDOW_MS} cannot come from a
 *   per-customer limit, so it pauses every request to the partner; a 429
 *   right after another request about the same customer pauses that customer
 *   only; a 429 about no customer (the customer list) pauses the partner;
 * - an adaptive send rate (see {@link AdaptiveRateLimiter}) drops on every
 *   429 and regrows while requests succeed, so thousands of concurrent
 *   operations never stampede.
 */
export class Throttle {
  readonly stats: ThrottleStats = { throttled: 0, partnerPauses: 0, customerPauses: 0, peakInFlight: 0 };
  readonly #clock: Clock;
  readonly #maxConcurrency: number;
  readonly #limiter = new AdaptiveRateLimiter();
  #partnerPausedUntil = 0;
  readonly #customerPausedUntil = new Map<string, number>();
  /** Per customer, the times of its last two sends: [previous, last]. */
  readonly #sends = new Map<string, [number | undefined, number]>();
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  /**
   * @param maxConcurrency - requests in flight at most
   * @param clock - the time source
   */
  constructor(maxConcurrency: number, clock: Clock) {
    this.#maxConcurrency = maxConcurrency;
    this.#clock = clock;
  }

  /** The adaptive limiter's state. */
  get rate(): AdaptiveRateLimiter["state"] {
    return this.#limiter.state;
  }

  /** When requests about this customer (or about no customer) may go again. */
  pausedUntil(customerId: string | undefined): number {
    const customer = customerId === undefined ? 0 : (this.#customerPausedUntil.get(customerId) ?? 0);
    return Math.max(this.#partnerPausedUntil, customer);
  }

  /**
   * Waits until a request about `customerId` may be sent: no pause, a free
   * slot, a send token. Returns the function that frees the slot.
   * Rejects when `signal` aborts (the operation's deadline).
   */
  async acquire(customerId: string | undefined, signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      await this.#waitForPause(customerId, signal);
      await this.#takeSlot(signal);
      const waitSeconds = this.#limiter.tryAcquire(this.#clock.now() / 1000);
      const paused = this.pausedUntil(customerId) > this.#clock.now();
      if (waitSeconds === 0 && !paused) {
        if (customerId !== undefined) this.#noteSend(customerId);
        return this.#releaser();
      }
      this.#releaseSlot();
      if (!paused) await this.#clock.sleep(Math.ceil(waitSeconds * 1000), signal);
    }
  }

  /**
   * Records an answer: feeds the adaptive rate and, for a 429, pauses the
   * scope it applies to until `Retry-After` (1 s when the answer gave none).
   */
  record(customerId: string | undefined, status: number, retryAfterMs: number | undefined): void {
    const now = this.#clock.now();
    const throttled = status === 429;
    this.#limiter.record(now / 1000, throttled);
    if (!throttled) return;
    this.stats.throttled += 1;
    const until = now + (retryAfterMs ?? 1000);
    const previousSend = customerId === undefined ? undefined : this.#sends.get(customerId)?.[0];
    const customerWasBusy = previousSend !== undefined && now - previousSend <= CUSTOMER_WINDOW_MS;
    if (!customerWasBusy) {
      if (until > this.#partnerPausedUntil) {
        this.#partnerPausedUntil = until;
        this.stats.partnerPauses += 1;
      }
    } else if (customerId !== undefined && until > (this.#customerPausedUntil.get(customerId) ?? 0)) {
      this.#customerPausedUntil.set(customerId, until);
      this.stats.customerPauses += 1;
    }
    for (const [other, otherUntil] of this.#customerPausedUntil) if (otherUntil <= now) this.#customerPausedUntil.delete(other);
  }

  #noteSend(customerId: string): void {
    const now = this.#clock.now();
    this.#sends.set(customerId, [this.#sends.get(customerId)?.[1], now]);
    if (this.#sends.size > 10_000) {
      for (const [customer, [, last]] of this.#sends) if (now - last > CUSTOMER_WINDOW_MS) this.#sends.delete(customer);
    }
  }

  async #waitForPause(customerId: string | undefined, signal?: AbortSignal): Promise<void> {
    for (let until = this.pausedUntil(customerId); until > this.#clock.now(); until = this.pausedUntil(customerId)) {
      await this.#clock.sleep(until - this.#clock.now(), signal);
    }
  }

  async #takeSlot(signal?: AbortSignal): Promise<void> {
    while (this.#inFlight >= this.#maxConcurrency) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const index = this.#waiting.indexOf(wake);
          if (index >= 0) this.#waiting.splice(index, 1);
          reject(signal?.reason);
        };
        const wake = (): void => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        this.#waiting.push(wake);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    this.#inFlight += 1;
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.#inFlight);
  }

  #releaseSlot(): void {
    this.#inFlight -= 1;
    this.#waiting.shift()?.();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#releaseSlot();
    };
  }
}
