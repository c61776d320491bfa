import { settingName } from "../../shared/settingNames";
import { isoTime, type Clock } from "../clock";
import { LimitLearner, type LimitEstimate, type RememberedLimit } from "./limitLearner";

/** A request waiting for its turn. */
interface Waiter {
  readonly customerId: string | undefined;
  readonly grant: (grant: SendGrant) => void;
  readonly refuse: (error: Error) => void;
  readonly signal: AbortSignal | undefined;
  /** The operation's deadline (clock ms) as it stands now, if any: a pause lasting past it fails the waiter at once. */
  readonly deadline: () => number | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * A pause (`Retry-After`) that lasts past the waiting operation's deadline: failing at once beats waiting to fail.
 * Never leaves the client: the request sender turns it into a `PauseBeyondDeadlineError` with the request's ids.
 */
export class PauseOutlastsDeadline extends Error {
  /**
   * @param pausedUntil - when requests may go again
   * @param deadline - the operation's deadline
   */
  constructor(
    /** When requests may go again (clock ms). */
    readonly pausedUntil: number,
    /** The operation's deadline (clock ms). */
    readonly deadline: number,
  ) {
    super(
      `Partner Center's rate limit holds requests until ${isoTime(pausedUntil)} (its Retry-After, or the longer pause after 429s in a row), past this operation's deadline at ${isoTime(deadline)} (${settingName("timeoutSeconds")}): failed at once instead of waiting`,
    );
  }
}

/** A request's turn: send it now, then {@link RequestScheduler.record} its answer with `sentAt` and call `release`. */
export interface SendGrant {
  /** When the request was let go (clock ms). */
  readonly sentAt: number;
  /** Frees the request's slot (idempotent). */
  readonly release: () => void;
}

/** How recent another request about the same customer must be for a 429 to be blamed on that customer. */
export const CUSTOMER_WINDOW_MS = 1000;

/**
 * The least pause after a 429, whatever its `Retry-After` says: `0`, or a date
 * in the past, would otherwise send every refused request again at once.
 */
export const MIN_THROTTLE_PAUSE_MS = 250;

/** 429s in a row (no request accepted between) double the least pause, up to this. */
export const MAX_THROTTLE_BACKOFF_MS = 30_000;

/** How often, at most, a pace that grows is reported to {@link SchedulerOptions.onLearned} (a 429 is reported at once). */
export const LEARNED_REPORT_INTERVAL_MS = 1000;

/** What a scheduler starts from, and whom it tells what it learns. */
export interface SchedulerOptions {
  /** What an earlier process learned of the same partner's limit (the learner clamps it to what it could have learned). */
  remembered?: RememberedLimit;
  /** Called with what the scheduler knows of the limit after a 429, and as the pace grows (at most once a second). */
  onLearned?: (limit: RememberedLimit) => void;
}

/** What the scheduler has done, for tests and the benchmark. */
export interface SchedulerStats {
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
 *   say which limit answered, so the scope is inferred. One resource
 *   operation sends at most two requests about its customer (GET then PATCH),
 *   so a 429 on a customer's first or second request within
 *   {@link CUSTOMER_WINDOW_MS} is taken as the partner's limit and pauses
 *   every request to the partner; a 429 on a third or later request (retries
 *   hammering one customer) pauses that customer only; a 429 about no
 *   customer (the customer list) pauses the partner;
 * - the partner-wide limit is learned from the 429s (see {@link LimitLearner}):
 *   after a pause, what the limit allowed after its last reset goes at once;
 *   beyond it, requests are paced just under the rate the service accepted.
 *
 * This is the one owner of a 429: it is recorded here once, and here decided
 * who waits and for how long. The retry loop does not sleep for a 429; it
 * asks for a new turn, which comes when the pause is over.
 */
export class RequestScheduler {
  readonly stats: SchedulerStats = { throttled: 0, partnerPauses: 0, customerPauses: 0, peakInFlight: 0 };
  readonly #clock: Clock;
  readonly #maxConcurrency: number;
  readonly #learner: LimitLearner;
  readonly #onLearned: ((limit: RememberedLimit) => void) | undefined;
  /** When the learner was last asked what to report (clock ms), and what was last reported. */
  #reportedAt = Number.NEGATIVE_INFINITY;
  #reportedText: string | undefined;
  readonly #customerPausedUntil = new Map<string, number>();
  /** Per customer, the times of its last three sends, newest last. */
  readonly #sends = new Map<string, number[]>();
  #inFlight = 0;
  readonly #queue: Waiter[] = [];
  /** 429s in a row, each to a request sent after the previous one's pause began; an acceptance resets it. */
  #throttleStreak = 0;
  /** When the streak's last pause began (clock ms): a 429 to a request sent before it was in flight, and adds nothing. */
  #streakPauseAt = Number.NEGATIVE_INFINITY;
  /** The partner-wide pause in force (clock ms) with the least pause applied, for 429s whose `Retry-After` asks for less. */
  #backoffUntil = 0;
  #wake: { time: number; cancel: AbortController } | undefined;

  /**
   * @param maxConcurrency - requests in flight at most
   * @param clock - the time source
   * @param options - a remembered limit to start from, and a listener for what is learned
   */
  constructor(maxConcurrency: number, clock: Clock, options: SchedulerOptions = {}) {
    this.#maxConcurrency = maxConcurrency;
    this.#clock = clock;
    this.#learner = new LimitLearner(options.remembered, clock.now());
    this.#onLearned = options.onLearned;
  }

  /** What has been learned of the partner-wide limit. */
  get limit(): LimitEstimate {
    return this.#learner.estimate;
  }

  /** When requests about this customer (or about no customer) may go again. */
  pausedUntil(customerId: string | undefined): number {
    const customer = customerId === undefined ? 0 : (this.#customerPausedUntil.get(customerId) ?? 0);
    return Math.max(this.#learner.pausedUntil, this.#backoffUntil, customer);
  }

  /**
   * Waits until a request about `customerId` may be sent: no pause, a free
   * slot, its place in the learned limit. Returns the grant: when it was
   * let go, and the function that frees the slot.
   * Rejects when `signal` aborts (the operation's deadline), and at once with
   * a {@link PauseOutlastsDeadline} when a pause lasts past `deadline`
   * (asked each time, as an operation's deadline moves until it starts).
   *
   * Waiters queue in arrival order and one pump grants them, so a thousand
   * waiting operations cost one timer, not a thousand; a waiter whose
   * customer is paused lets the ones behind it pass.
   */
  acquire(customerId: string | undefined, signal?: AbortSignal, deadline?: () => number): Promise<SendGrant> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        customerId,
        grant: resolve,
        refuse: reject,
        signal,
        deadline: deadline ?? (() => undefined),
        onAbort: undefined,
      };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#queue.indexOf(waiter);
          if (index >= 0) this.#queue.splice(index, 1);
          if (this.#queue.length === 0) this.#cancelWake();
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /**
   * Records an answer, once, for the request granted at `sentAt`. A 429
   * pauses the scope it applies to until `Retry-After` (1 s when the answer
   * gave none): the partner (and what the learner knows of its limit), or,
   * when retries were hammering one customer, that customer.
   */
  record(customerId: string | undefined, status: number, retryAfterMs: number | undefined, sentAt: number): void {
    const now = this.#clock.now();
    const throttled = status === 429;
    if (!throttled) {
      if (sentAt >= this.#streakPauseAt) this.#throttleStreak = 0;
      this.#learner.answered(now, sentAt, false, undefined);
      this.#report(now, false);
      return;
    }
    this.stats.throttled += 1;
    const until = now + Math.max(retryAfterMs ?? 1000, this.#leastPause(now, sentAt));
    const recentSends =
      customerId === undefined
        ? []
        : (this.#sends.get(customerId) ?? []).filter((time) => now - time <= CUSTOMER_WINDOW_MS);
    const customerWasBusy = recentSends.length >= 3;
    if (!customerWasBusy) {
      if (until > this.pausedUntil(undefined)) this.stats.partnerPauses += 1;
      this.#backoffUntil = Math.max(this.#backoffUntil, until);
      this.#learner.answered(now, sentAt, true, retryAfterMs ?? 1000);
    } else if (customerId !== undefined && until > (this.#customerPausedUntil.get(customerId) ?? 0)) {
      this.#customerPausedUntil.set(customerId, until);
      this.stats.customerPauses += 1;
    }
    for (const [other, otherUntil] of this.#customerPausedUntil)
      if (otherUntil <= now) this.#customerPausedUntil.delete(other);
    this.#report(now, true);
    this.#pump();
  }

  /**
   * The least pause for a 429 to a request sent at `sentAt`: {@link MIN_THROTTLE_PAUSE_MS}, doubled for each 429 in
   * a row up to {@link MAX_THROTTLE_BACKOFF_MS}. A client that obeys a `Retry-After: 0` literally spends the
   * partner's whole quota on refusals. The learner still learns from what the service said; the pause of the scope
   * the 429 applies to (the partner, or one customer) lasts at least this long.
   */
  #leastPause(now: number, sentAt: number): number {
    if (sentAt >= this.#streakPauseAt) {
      this.#throttleStreak = Math.min(this.#throttleStreak + 1, 32);
      this.#streakPauseAt = now;
    }
    return Math.min(MAX_THROTTLE_BACKOFF_MS, MIN_THROTTLE_PAUSE_MS * 2 ** (this.#throttleStreak - 1));
  }

  /** Tells the listener what the learner knows, when it changed: at once after a 429, else at most once a second. */
  #report(now: number, throttled: boolean): void {
    if (!this.#onLearned || (!throttled && now - this.#reportedAt < LEARNED_REPORT_INTERVAL_MS)) return;
    this.#reportedAt = now;
    const limit = this.#learner.remembered();
    const text = limit && JSON.stringify(limit);
    if (!limit || text === this.#reportedText) return;
    this.#reportedText = text;
    this.#onLearned(limit);
  }

  #noteSend(customerId: string): void {
    const now = this.#clock.now();
    this.#sends.set(customerId, [...(this.#sends.get(customerId) ?? []).slice(-2), now]);
    if (this.#sends.size > 10_000) {
      for (const [customer, times] of this.#sends)
        if (now - (times.at(-1) ?? 0) > CUSTOMER_WINDOW_MS) this.#sends.delete(customer);
    }
  }

  /** Fails at once every waiter whose pause outlasts its deadline: it could only wait to fail, holding its place. */
  #refuseHopeless(): void {
    // Without a pause in force no one is hopeless: the common path stays linear in the waiters granted.
    const now = this.#clock.now();
    if (this.#learner.pausedUntil <= now && this.#backoffUntil <= now && this.#customerPausedUntil.size === 0) return;
    for (const waiter of [...this.#queue]) {
      const until = this.pausedUntil(waiter.customerId);
      const deadline = waiter.deadline();
      if (deadline === undefined || until <= deadline) continue;
      // The error first: nothing after the waiter leaves the queue may fail, or it would wait forever.
      const error = new PauseOutlastsDeadline(until, deadline);
      this.#queue.splice(this.#queue.indexOf(waiter), 1);
      if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.refuse(error);
    }
  }

  /**
   * Grants every waiter that may go now, then sets one timer for the next that may go later. Should the bookkeeping
   * ever fail, every waiter is refused with the failure: a waiter left in a queue no one pumps would never settle,
   * whatever its deadline.
   */
  #pump(): void {
    try {
      this.#grantReady();
    } catch (error) {
      this.#cancelWake();
      for (const waiter of this.#queue.splice(0)) {
        if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
        waiter.refuse(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  #grantReady(): void {
    this.#refuseHopeless();
    let grants = 0;
    while (this.#queue.length > 0 && this.#inFlight < this.#maxConcurrency) {
      const now = this.#clock.now();
      const index = this.#queue.findIndex((waiter) => this.pausedUntil(waiter.customerId) <= now);
      if (index < 0) {
        this.#wakeAt(Math.min(...this.#queue.map((waiter) => this.pausedUntil(waiter.customerId))));
        return;
      }
      const sendAt = this.#learner.nextSendTime(now);
      if (sendAt > now) {
        this.#wakeAt(Math.ceil(sendAt));
        return;
      }
      const waiter = this.#queue[index];
      if (!waiter) return;
      // The bookkeeping before the waiter leaves the queue: should it fail, the waiter is still there to be refused.
      if (waiter.customerId !== undefined) this.#noteSend(waiter.customerId);
      const sentAt = this.#learner.sent(now);
      this.#queue.splice(index, 1);
      if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      this.#inFlight += 1;
      this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.#inFlight);
      waiter.grant({ sentAt, release: this.#releaser() });
      if (++grants > 100_000) break;
    }
    if (this.#queue.length === 0) this.#cancelWake();
  }

  /** Runs the pump at `time`, unless a timer already runs it sooner. */
  #wakeAt(time: number): void {
    if (this.#wake && this.#wake.time <= time) return;
    this.#cancelWake();
    const wake = { time, cancel: new AbortController() };
    this.#wake = wake;
    this.#clock.sleep(Math.max(0, time - this.#clock.now()), wake.cancel.signal).then(
      () => {
        if (this.#wake === wake) this.#wake = undefined;
        this.#pump();
      },
      () => undefined,
    );
  }

  /** Drops the pending timer (no one is waiting, so nothing may keep the process alive). */
  #cancelWake(): void {
    this.#wake?.cancel.abort();
    this.#wake = undefined;
  }

  #releaseSlot(): void {
    this.#inFlight -= 1;
    this.#pump();
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
