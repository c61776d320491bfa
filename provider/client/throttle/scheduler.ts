import { settingName } from "../../shared/settingNames";
import { isoTime, type Clock } from "../clock";
import { PartnerThrottle, type RememberedThrottle } from "./partnerThrottle";

/** A request waiting for its turn. */
interface Waiter {
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

/** A request's turn: send it now, then call `answered` with its answer, or `release` when none came. */
export interface SendGrant {
  /** When the request was let go (clock ms). */
  readonly sentAt: number;
  /**
   * Records the answer ({@link RequestScheduler.record}), then frees the slot: in that order, or a 429 would hand
   * its slot to the next waiter before the pause it begins (idempotent with `release`).
   */
  readonly answered: (status: number, retryAfterMs: number | undefined) => void;
  /** Frees the request's slot without an answer to record (idempotent). */
  readonly release: () => void;
}

/** How often, at most, a rate that grows is reported to {@link SchedulerOptions.onLearned} (a 429 is reported at once). */
export const LEARNED_REPORT_INTERVAL_MS = 1000;

/** What a scheduler starts from, and whom it tells what it learns. */
export interface SchedulerOptions {
  /** What an earlier process reached with the same partner (the throttle clamps it to what it could have reached). */
  remembered?: RememberedThrottle;
  /** Called with the rate and pause after a 429, and as the rate grows (at most once a second). */
  onLearned?: (throttle: RememberedThrottle) => void;
}

/** What the scheduler has done, for tests and the benchmark. */
export interface SchedulerStats {
  /** 429 answers recorded. */
  throttled: number;
  /** Pauses of every request to the partner (a 429 that lengthened the pause in force counts again). */
  pauses: number;
  /** The most requests in flight at once. */
  peakInFlight: number;
}

/**
 * Paces every request of one provider process to one partner: at most `maxConcurrency` in flight, first come first
 * served, after the partner-wide pause a 429 began and at the rate the 429s taught (see {@link PartnerThrottle}).
 *
 * This is the one owner of a 429: it is recorded here once, and here decided who waits and for how long. The retry
 * loop does not sleep for a 429; it asks for a new turn, which comes when the pause is over.
 */
export class RequestScheduler {
  readonly stats: SchedulerStats = { throttled: 0, pauses: 0, peakInFlight: 0 };
  readonly #clock: Clock;
  readonly #maxConcurrency: number;
  readonly #throttle: PartnerThrottle;
  readonly #onLearned: ((throttle: RememberedThrottle) => void) | undefined;
  /** When the listener was last considered (clock ms), and what it was last told. */
  #reportedAt = Number.NEGATIVE_INFINITY;
  #reportedText: string | undefined;
  #inFlight = 0;
  readonly #queue: Waiter[] = [];
  #wake: { time: number; cancel: AbortController } | undefined;

  /**
   * @param maxConcurrency - requests in flight at most
   * @param clock - the time source
   * @param options - a remembered rate and pause to start from, and a listener for what is learned
   */
  constructor(maxConcurrency: number, clock: Clock, options: SchedulerOptions = {}) {
    // Anything else would never grant a turn, or grant without bound.
    if (!Number.isSafeInteger(maxConcurrency) || maxConcurrency < 1)
      throw new RangeError(`maxConcurrency must be a whole number of requests from 1, not ${maxConcurrency}`);
    this.#maxConcurrency = maxConcurrency;
    this.#clock = clock;
    this.#throttle = new PartnerThrottle(options.remembered, clock.now());
    this.#onLearned = options.onLearned;
  }

  /** Requests per second the 429s taught; undefined before the first 429 (nothing is held back). */
  get rate(): number | undefined {
    return this.#throttle.rate;
  }

  /** When requests may go again (clock ms): the end of the pause in force, or earlier. */
  pausedUntil(): number {
    return this.#throttle.pausedUntil;
  }

  /**
   * Waits until a request may be sent: no pause, a free slot, its turn at the rate. Returns the grant: when it was
   * let go, and the function that frees the slot. Rejects when `signal` aborts (the operation's deadline), and at
   * once with a {@link PauseOutlastsDeadline} when a pause lasts past `deadline` (asked each time, as an operation's
   * deadline moves until it starts).
   *
   * Waiters queue in arrival order and one pump grants them, so a thousand waiting operations cost one timer, not a
   * thousand.
   */
  acquire(signal?: AbortSignal, deadline?: () => number): Promise<SendGrant> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
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
   * Records an answer, once, for the request granted at `sentAt`. A 429 pauses every request until `Retry-After`
   * (1 s when the answer gave none, and at least the least pause) and lowers the rate.
   */
  record(status: number, retryAfterMs: number | undefined, sentAt: number): void {
    const now = this.#clock.now();
    if (status !== 429) {
      this.#throttle.answered(now, sentAt, false, undefined);
      this.#report(now, false);
      return;
    }
    this.stats.throttled += 1;
    const before = this.#throttle.pausedUntil;
    this.#throttle.answered(now, sentAt, true, retryAfterMs);
    if (this.#throttle.pausedUntil > before) this.stats.pauses += 1;
    this.#report(now, true);
    this.#pump();
  }

  /** Tells the listener the rate and pause when they changed: at once after a 429, else at most once a second. */
  #report(now: number, throttled: boolean): void {
    if (!this.#onLearned || (!throttled && now - this.#reportedAt < LEARNED_REPORT_INTERVAL_MS)) return;
    this.#reportedAt = now;
    const remembered = this.#throttle.remembered();
    const text = remembered && JSON.stringify(remembered);
    if (!remembered || text === this.#reportedText) return;
    this.#reportedText = text;
    this.#onLearned(remembered);
  }

  /** Fails at once every waiter whose pause outlasts its deadline: it could only wait to fail, holding its place. */
  #refuseHopeless(): void {
    const until = this.#throttle.pausedUntil;
    // Without a pause in force no one is hopeless: the common path stays linear in the waiters granted.
    if (until <= this.#clock.now()) return;
    for (const waiter of [...this.#queue]) {
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
   * Grants every waiter that may go now, then sets one timer for when the next may go. Should the bookkeeping ever
   * fail, every waiter is refused with the failure: a waiter left in a queue no one pumps would never settle,
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
      const sendAt = this.#throttle.nextSendTime(now);
      if (sendAt > now) {
        this.#wakeAt(Math.ceil(sendAt));
        return;
      }
      const waiter = this.#queue[0]!;
      // The bookkeeping before the waiter leaves the queue: should it fail, the waiter is still there to be refused.
      const sentAt = this.#throttle.sent(now);
      this.#queue.shift();
      if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      this.#inFlight += 1;
      this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.#inFlight);
      const release = this.#releaser();
      waiter.grant({
        sentAt,
        answered: (status, retryAfterMs) => {
          this.record(status, retryAfterMs, sentAt);
          release();
        },
        release,
      });
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
