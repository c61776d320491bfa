/**
 * Learns Partner Center's partner-wide limit from what the service says, and
 * decides when the next request may go. Pure: time is passed in (ms), so
 * every decision is table-tested on a fake clock.
 *
 * Partner Center publishes no numbers, and a gateway's limit may be a token
 * bucket, a fixed window or a sliding window. Whatever its shape, the service
 * says two things: `Retry-After` (when to come back) and, implicitly, how
 * many requests it accepted before refusing. The learner works in *cycles*:
 * a cycle starts when a pause ends (or with the first request) and ends with
 * the 429 that starts the next pause.
 * - **Pause.** A 429 holds every request until `Retry-After` has passed;
 *   429s answering requests sent before the pause began (they were in flight)
 *   extend it but teach nothing new. Acceptances that arrive after it for
 *   requests of the cycle it ended still count toward that cycle's quota: at
 *   a high latency the answers to one burst arrive together, in any order.
 * - **Quota.** The requests accepted in a cycle sent at full speed are what
 *   the limit allows after a reset (a window's quota, a bucket's burst plus
 *   what it refills meanwhile). After the next pause that many go at once,
 *   with the whole concurrency: after a long window resets, its quota is
 *   there at once. A long `Retry-After` (2 s or more) says a window resets:
 *   everything it accepted in the cycle, paced requests included, counts.
 * - **Pace.** Beyond the quota, requests are paced at 95 % of the cycle's
 *   accepted rate, its pause included: under a bucket whose burst is small,
 *   pacing just under its rate avoids 429s. While paced requests succeed at
 *   the pace (not slower, held back by the parallelism) the pace grows
 *   (quickly until it first overshoots, then by 1 % a second); a
 *   429 refusing a paced request sets it to 95 % of the rate the service
 *   accepted over the last second. Whether a refused request was paced or
 *   part of the burst is told by when it was sent, not by whether paced
 *   requests have gone out since: at 300 ms of latency they have, long
 *   before the burst's answers come back.
 */

/** The share of the learned rate that requests are paced at. */
const PACE_MARGIN = 0.95;
/** After an overshoot, the pace as a share of the rate accepted over the last second. */
const OVERSHOOT_BACKOFF = 0.95;
/** How often the pace may grow, in ms. */
const GROWTH_INTERVAL_MS = 250;
/** Growth per interval before the first overshoot: ×2.4 a second. */
const FAST_GROWTH = 1.25;
/** Growth per interval after an overshoot: about 1 % a second. */
const SLOW_GROWTH = 1.0025;
/**
 * The pace grows to at most this many times the rate accepted over the last second: requests freed together (a
 * wave of answers) are held back by any pace, yet a pace far above what actually goes teaches nothing, and,
 * remembered, lets the next burst go at once.
 */
const MAX_PACE_OVER_ACCEPTED = 2;
/** The slowest pace, requests per second. */
export const MIN_PACE = 0.5;
/**
 * The fastest pace, requests per second. The scheduler wakes in whole milliseconds, so it sends paced requests
 * one a millisecond at most: a faster pace is this one. Kept finite so an interval is never 0 or denormal.
 */
export const MAX_PACE = 1000;
/**
 * The largest quota: more than one process sends in a cycle (10,000 budgets take a few tens of thousands of
 * requests), so a larger one says nothing more (pacing would never start), and it stays a small exact integer.
 */
export const MAX_QUOTA = 100_000;
/** The longest remembered pause honoured, ms: a `Retry-After` longer than this is learned again by the process itself. */
export const MAX_REMEMBERED_PAUSE_MS = 5 * 60 * 1000;
/** The latest time a `Date` holds, ms since the epoch. */
const MAX_DATE_MS = 8.64e15;
/**
 * A `Retry-After` at least this long (ms) says a window resets then: what it
 * accepted is there again at once. Shorter ones (a gateway rounds a bucket's
 * wait up to 1 s) say a rate was exceeded.
 */
const LONG_WAIT_MS = 2000;
/** The accepted-rate meter's span, ms. */
const METER_MS = 1000;

/** What the learner knows, for tests and the benchmark. */
export interface LimitEstimate {
  /** Requests that go at once after a pause; undefined before the first 429. */
  readonly quota: number | undefined;
  /** Requests per second beyond the quota; undefined before the first 429. */
  readonly pace: number | undefined;
  /** When requests may go again (ms). */
  readonly pausedUntil: number;
}

/**
 * What a learner knows that another process talking to the same partner can
 * start from: the quota, the pace, whether the pace has overshot, and the
 * pause in force (ms since the epoch).
 */
export interface RememberedLimit {
  readonly quota: number;
  readonly pace: number;
  readonly overshot: boolean;
  readonly pausedUntil: number;
}

/**
 * A remembered limit within what a learner could have learned itself: a pace in [{@link MIN_PACE},
 * {@link MAX_PACE}], a whole quota in [1, {@link MAX_QUOTA}], and a pause that ends by `now` +
 * {@link MAX_REMEMBERED_PAUSE_MS}. It comes from a file or another process: a pace of 1e-9 would hold a queued
 * request for ever (its deadline starts only at its first turn to send), and an endless pause would too.
 *
 * @param limit - what was remembered
 * @param now - when it is taken up (ms)
 * @returns the limit clamped, or undefined when its quota, pace or pause is not a number at all (nothing to clamp)
 */
export function clampRememberedLimit(limit: RememberedLimit, now: number): RememberedLimit | undefined {
  const { quota, pace, pausedUntil } = limit;
  if ([quota, pace, pausedUntil].some((value) => typeof value !== "number" || Number.isNaN(value))) return undefined;
  const latestPause = Number.isFinite(now) ? Math.min(now + MAX_REMEMBERED_PAUSE_MS, MAX_DATE_MS) : 0;
  return {
    quota: Math.min(MAX_QUOTA, Math.max(1, Math.floor(quota))),
    pace: Math.min(MAX_PACE, Math.max(MIN_PACE, pace)),
    overshot: limit.overshot === true,
    pausedUntil: Math.min(latestPause, Math.max(0, pausedUntil)),
  };
}

/** A cycle a 429 ended, with what it accepted (answers arriving after the 429 included). */
interface ClosedCycle {
  start: number;
  /** When its 429 arrived (ms): requests sent before are its own. */
  end: number;
  /** From its start to the end of the pause its 429 began, ms. */
  spanMs: number;
  burstSentUntil: number;
  /** What counts toward the quota: the burst's acceptances (a bucket) or all of them (a window). */
  counts: "burst" | "window";
  accepted: number;
  acceptedInBurst: number;
  /** The least the quota may be (a window that still took paced requests keeps its quota). */
  quotaFloor: number;
  /** The least the pace may be. */
  paceFloor: number | undefined;
}

/** The partner-wide limit as learned from 429s, and the decisions that follow from it. */
export class LimitLearner {
  #pausedUntil = 0;
  /** When the current cycle began (ms); undefined before the first request. */
  #cycleStart: number | undefined;
  #sentInCycle = 0;
  #acceptedInCycle = 0;
  /** Accepted answers to the cycle's burst (the requests sent within the quota). */
  #acceptedInBurst = 0;
  /** When the cycle's last request within the quota was sent (ms): a request sent later was paced. */
  #burstSentUntil = Number.NEGATIVE_INFINITY;
  /** The cycle the last 429 ended: answers to its requests that arrive later still teach what it says. */
  #closed: ClosedCycle | undefined;
  #quota: number | undefined;
  #pace: number | undefined;
  /** Whether the pace has overshot once: growth is slow from then on. */
  #overshot = false;
  #nextPacedSend = 0;
  #lastGrowth = 0;
  /** Whether the pace has held a request back since the pace last grew (a request was ready before its turn). */
  #heldBack = false;
  /** Times of recent accepted answers, for the rate over the last second. */
  readonly #acceptedTimes: number[] = [];

  /** A learner that knows nothing yet. */
  constructor();
  /**
   * @param remembered - what an earlier process learned of the same limit: its quota goes at once, the requests
   * beyond it at its pace, and its pause holds; clamped here (see {@link clampRememberedLimit}), so no caller
   * can start a learner from what it could not have learned
   * @param now - when the learner starts (ms): a remembered pause holds {@link MAX_REMEMBERED_PAUSE_MS} from then at most
   */
  constructor(remembered: RememberedLimit | undefined, now: number);
  constructor(remembered?: RememberedLimit, now = 0) {
    const limit = remembered && clampRememberedLimit(remembered, now);
    if (!limit) return;
    this.#quota = limit.quota;
    this.#pace = limit.pace;
    this.#overshot = limit.overshot;
    this.#pausedUntil = limit.pausedUntil;
  }

  /** What another process may start from; undefined before the first 429 taught anything. */
  remembered(): RememberedLimit | undefined {
    if (this.#quota === undefined || this.#pace === undefined) return undefined;
    return { quota: this.#quota, pace: this.#pace, overshot: this.#overshot, pausedUntil: this.#pausedUntil };
  }

  /** The current estimate. */
  get estimate(): LimitEstimate {
    return { quota: this.#quota, pace: this.#pace, pausedUntil: this.#pausedUntil };
  }

  /** When requests may go again (ms): the end of the current pause, or 0. */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /**
   * The earliest time (ms, at or after `now`) the next request may be sent:
   * after any pause; at once within the quota; else at the pace. Ask only
   * when a request is ready to go: a request the pace holds back is what lets
   * the pace grow.
   */
  nextSendTime(now: number): number {
    if (now < this.#pausedUntil) return this.#pausedUntil;
    this.#startCycleIfDue(now);
    if (this.#quota === undefined || this.#pace === undefined || this.#sentInCycle < this.#quota) return now;
    if (this.#nextPacedSend > now) this.#heldBack = true;
    return Math.max(now, this.#nextPacedSend);
  }

  /**
   * Records that a request is sent at `now` (call only when
   * {@link nextSendTime} allows it).
   *
   * @returns the time it was sent, to pass back with its answer
   */
  sent(now: number): number {
    this.#startCycleIfDue(now);
    this.#sentInCycle += 1;
    if (this.#quota === undefined || this.#sentInCycle <= this.#quota) this.#burstSentUntil = now;
    // Paced requests follow the quota's burst one interval apart, the first one interval after the burst's last.
    if (this.#pace !== undefined && this.#quota !== undefined && this.#sentInCycle >= this.#quota) {
      this.#nextPacedSend = Math.max(this.#nextPacedSend, now) + 1000 / this.#pace;
    }
    return now;
  }

  /**
   * Records a request's answer.
   *
   * @param now - when it was answered
   * @param sentAt - what {@link sent} returned for it
   * @param retryAfterMs - for a 429, its `Retry-After` (undefined for any other answer)
   */
  answered(now: number, sentAt: number, throttled: boolean, retryAfterMs: number | undefined): void {
    const cycleStart = this.#cycleStart;
    const thisCycle = cycleStart !== undefined && sentAt >= cycleStart;
    if (!throttled) {
      if (thisCycle) {
        this.#acceptedInCycle += 1;
        if (sentAt <= this.#burstSentUntil) this.#acceptedInBurst += 1;
      } else this.#countLate(sentAt);
      this.#meter(now);
      this.#grow(now);
      return;
    }
    const until = now + (retryAfterMs ?? 1000);
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
    // In flight when the pause began: the same exhaustion, nothing new to learn.
    if (!thisCycle) return;
    const paced = this.#quota !== undefined && this.#pace !== undefined && sentAt > this.#burstSentUntil;
    if (retryAfterMs === undefined || retryAfterMs < LONG_WAIT_MS) {
      if (paced) {
        // A short wait refusing a paced request: a bucket's rate, overshot. Back to what the service accepted over the
        // last second (a cycle younger than that would count its burst or the pause before it, and its burst alone
        // says little of the rate: take the pace then, which never runs far above what is accepted).
        this.#overshot = true;
        const pace = this.#pace!;
        const accepted = now - cycleStart >= METER_MS ? Math.min(pace, this.#acceptedRate(now)) : pace;
        this.#pace = Math.max(MIN_PACE, accepted * OVERSHOOT_BACKOFF);
        this.#closed = undefined;
      } else this.#close(cycleStart, now, until, "burst", 0);
    } else {
      // A long Retry-After: a window that resets. All it accepted this cycle will be there again at once after the
      // reset (a first cycle that began mid-window, or paced requests the window still took, only show more of it).
      this.#close(cycleStart, now, until, "window", paced ? (this.#quota ?? 0) : 0);
    }
    // The next cycle starts when the pause ends.
    this.#cycleStart = undefined;
    this.#lastGrowth = this.#pausedUntil;
  }

  /**
   * Ends the cycle with a 429 within what went at full speed (`burst`: what the burst got accepted is what the limit
   * allows after a short wait) or with a window's reset (`window`: everything it accepted), and learns from it. A
   * cycle in which nothing was accepted yet (a window another process used up, or every answer still on its way)
   * teaches nothing until an acceptance arrives late.
   */
  #close(start: number, end: number, until: number, counts: ClosedCycle["counts"], quotaFloor: number): void {
    const closed: ClosedCycle = {
      start,
      end,
      spanMs: Math.max(until - start, 1),
      burstSentUntil: this.#burstSentUntil,
      counts,
      accepted: this.#acceptedInCycle,
      acceptedInBurst: this.#acceptedInBurst,
      quotaFloor,
      paceFloor: counts === "window" || this.#overshot ? this.#pace : undefined,
    };
    this.#closed = closed;
    if (closed.accepted > 0) this.#learn(closed);
  }

  /** The quota and pace a closed cycle says: its accepted requests (the burst's, for a bucket) and its accepted rate. */
  #learn(closed: ClosedCycle): void {
    const rate = (closed.accepted * 1000) / closed.spanMs;
    this.#quota = Math.min(
      MAX_QUOTA,
      Math.max(1, closed.counts === "window" ? closed.accepted : closed.acceptedInBurst, closed.quotaFloor),
    );
    this.#pace = Math.min(MAX_PACE, Math.max(MIN_PACE, rate * PACE_MARGIN, closed.paceFloor ?? 0));
  }

  /** An acceptance, arriving after the 429 that ended its cycle, of a request that cycle sent: the cycle learns it. */
  #countLate(sentAt: number): void {
    const closed = this.#closed;
    if (!closed || sentAt < closed.start || sentAt >= closed.end) return;
    closed.accepted += 1;
    if (sentAt <= closed.burstSentUntil) closed.acceptedInBurst += 1;
    this.#learn(closed);
  }

  /** Opens a cycle at the first request, or at the first request after a pause. */
  #startCycleIfDue(now: number): void {
    if (this.#cycleStart !== undefined) return;
    this.#cycleStart = Math.max(now, this.#pausedUntil);
    this.#sentInCycle = 0;
    this.#acceptedInCycle = 0;
    this.#acceptedInBurst = 0;
    this.#burstSentUntil = Number.NEGATIVE_INFINITY;
    this.#nextPacedSend = this.#cycleStart;
  }

  /**
   * Lets the pace grow while paced requests succeed and the pace is what holds them back, up to twice what is
   * accepted. When fewer go than it allows (the parallelism or the work binds), a higher pace would learn nothing:
   * it would only grow without end and, remembered, let the next burst go all at once.
   */
  #grow(now: number): void {
    if (this.#pace === undefined || this.#quota === undefined || this.#sentInCycle <= this.#quota) return;
    if (now - this.#lastGrowth < GROWTH_INTERVAL_MS) return;
    this.#lastGrowth = now;
    if (!this.#heldBack || this.#pace >= MAX_PACE_OVER_ACCEPTED * this.#acceptedRate(now)) return;
    this.#heldBack = false;
    this.#pace = Math.min(MAX_PACE, this.#pace * (this.#overshot ? SLOW_GROWTH : FAST_GROWTH));
  }

  #meter(now: number): void {
    this.#acceptedTimes.push(now);
    this.#forgetBefore(now - METER_MS);
  }

  /** Requests per second accepted over the last second. */
  #acceptedRate(now: number): number {
    this.#forgetBefore(now - METER_MS);
    return (this.#acceptedTimes.length * 1000) / METER_MS;
  }

  /** Drops accepted answers at or before `time` (they are kept oldest first). */
  #forgetBefore(time: number): void {
    while ((this.#acceptedTimes[0] ?? Number.POSITIVE_INFINITY) <= time) this.#acceptedTimes.shift();
  }
}
