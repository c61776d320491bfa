import { strict as assert } from "node:assert";
import { BETA, MIN_RATE } from "../../provider/client/throttle/adaptiveRate";
import {
  MAX_REMEMBERED_PAUSE_MS,
  MAX_THROTTLE_BACKOFF_MS,
  MIN_THROTTLE_PAUSE_MS,
} from "../../provider/client/throttle/partnerThrottle";
import { PauseOutlastsDeadline, RequestScheduler, type SendGrant } from "../../provider/client/throttle/scheduler";
import { FakeClock, flush } from "../support/fakeClock";
import { MAX_TIMER_MS, timerDelay } from "../../provider/client/clock";
import { MAX_RETRY_AFTER_MS } from "../../provider/client/retry/retry";

/** Starts an acquire and reports when it was granted. */
function track(
  scheduler: RequestScheduler,
  signal?: AbortSignal,
): { granted: () => boolean; release: () => Promise<void>; done: Promise<() => void> } {
  let granted = false;
  const done = scheduler.acquire(signal).then((grant) => ((granted = true), grant.release));
  return { granted: () => granted, release: async () => (await done)(), done };
}

/** A turn, the fake clock moved on 10 ms at a time (at most 100 s) until the rate grants it. */
async function grantedSoon(scheduler: RequestScheduler, clock: FakeClock): Promise<SendGrant> {
  let grant: SendGrant | undefined;
  const pending = scheduler.acquire().then((granted) => (grant = granted));
  for (let i = 0; i < 10_000 && grant === undefined; i++) await clock.advance(10);
  return pending;
}

/** Two seconds of successful sends at 100/s, so that a 429 has a realistic history to learn from. */
async function warmUp(scheduler: RequestScheduler, clock: FakeClock): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await clock.advance(10);
    const grant = await scheduler.acquire();
    grant.release();
    scheduler.record(200, undefined, grant.sentAt);
  }
}

describe("the process-wide scheduler", () => {
  it("holds nothing back before the first 429", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(1000, clock);
    const grants = Array.from({ length: 500 }, () => track(scheduler));
    await flush();
    assert.equal(grants.filter((grant) => grant.granted()).length, 500);
    assert.equal(scheduler.rate, undefined);
  });

  it("a 429 pauses every request until its Retry-After, then paces them at the lowered rate", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(1000, clock);
    await warmUp(scheduler, clock);
    const grant = await scheduler.acquire();
    grant.release();
    scheduler.record(429, 3000, grant.sentAt);
    assert.equal(scheduler.pausedUntil(), clock.now() + 3000);
    const rate = scheduler.rate!;
    assert.ok(Math.abs(rate - 100 * BETA) < 1, `BETA × the 100/s requests went at, not ${rate}`);
    const waiting = Array.from({ length: 3 }, () => track(scheduler));
    await clock.advance(2999);
    assert.equal(waiting.filter((w) => w.granted()).length, 0, "nothing goes during the pause");
    await clock.advance(1);
    assert.equal(waiting.filter((w) => w.granted()).length, 1, "one when the pause ends");
    await clock.advance(Math.ceil(1000 / rate));
    assert.equal(waiting.filter((w) => w.granted()).length, 2, "the next one an interval later, not in a burst");
    assert.deepEqual(scheduler.stats, { throttled: 1, pauses: 1, peakInFlight: 2 });
  });

  it("a 429's slot goes to the next waiter only when its pause ends (answered records, then frees the slot)", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(1, clock);
    const refused = await scheduler.acquire();
    const next = track(scheduler);
    await flush();
    assert.equal(next.granted(), false, "no free slot");
    refused.answered(429, 1000);
    await clock.advance(999);
    assert.equal(next.granted(), false, "not in the pause the 429 began, though its slot is free");
    await clock.advance(1);
    assert.equal(next.granted(), true);
  });

  it("a 429 without Retry-After pauses for one second", () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock);
    scheduler.record(429, undefined, clock.now());
    assert.equal(scheduler.pausedUntil(), clock.now() + 1000);
  });

  it("caps the requests in flight and hands a freed slot to the next in line", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(2, clock);
    const first = track(scheduler);
    const second = track(scheduler);
    const third = track(scheduler);
    await flush();
    assert.deepEqual([first.granted(), second.granted(), third.granted()], [true, true, false]);
    await first.release();
    await flush();
    assert.equal(third.granted(), true);
    assert.equal(scheduler.stats.peakInFlight, 2);
  });

  it("gives up waiting when the operation's deadline aborts, in a pause or for a slot", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(1, clock);
    scheduler.record(429, 60_000, clock.now());
    const controller = new AbortController();
    const paused = scheduler.acquire(controller.signal);
    await clock.advance(60_000);
    const holder = await paused;
    const slotWaiter = new AbortController();
    const queued = scheduler.acquire(slotWaiter.signal);
    const pausedAgain = new AbortController();
    scheduler.record(429, 60_000, clock.now());
    const waiting = scheduler.acquire(pausedAgain.signal);
    await flush();
    slotWaiter.abort(new Error("deadline"));
    pausedAgain.abort(new Error("deadline"));
    await assert.rejects(queued, /deadline/);
    await assert.rejects(waiting, /deadline/);
    holder.release();
    assert.equal(clock.pending, 0, "no sleeper is left behind");
  });
});

describe("the scheduler started from a remembered rate", () => {
  it("paces at the remembered rate from its first request, clamped to the slowest it could reach itself", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock, { remembered: { rate: 1e-9, pausedUntil: 0 } });
    assert.equal(scheduler.rate, MIN_RATE);
    const first = track(scheduler);
    const second = track(scheduler);
    await flush();
    assert.equal(first.granted(), true, "the first goes at once");
    await clock.advance(1000 / MIN_RATE - 1);
    assert.equal(second.granted(), false, "paced");
    await clock.advance(1);
    assert.equal(second.granted(), true, "one interval of the slowest rate later, not 31 years");
  });

  it("a remembered pause without end holds 5 minutes at most, and a deadline before it still fails at once, naming both times", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const scheduler = new RequestScheduler(10, clock, {
      remembered: { rate: 10, pausedUntil: Number.POSITIVE_INFINITY },
    });
    assert.equal(scheduler.pausedUntil(), start + MAX_REMEMBERED_PAUSE_MS);
    await assert.rejects(
      scheduler.acquire(undefined, () => start + 1000),
      (error: Error) =>
        error instanceof PauseOutlastsDeadline &&
        error.message.includes(new Date(start + MAX_REMEMBERED_PAUSE_MS).toISOString()),
    );
    const waiting = track(scheduler);
    await clock.advance(MAX_REMEMBERED_PAUSE_MS - 1);
    assert.equal(waiting.granted(), false, "the pause holds");
    await clock.advance(1);
    assert.equal(waiting.granted(), true, "and ends 5 minutes after the process started");
  });

  it("tells its listener the rate and pause at once after a 429, and as the rate grows at most once a second", async () => {
    const clock = new FakeClock();
    const told: { rate: number; pausedUntil: number }[] = [];
    const scheduler = new RequestScheduler(100, clock, { onLearned: (throttle) => told.push(throttle) });
    await warmUp(scheduler, clock);
    assert.equal(told.length, 0, "nothing to tell before the first 429");
    const refused = await scheduler.acquire();
    refused.release();
    scheduler.record(429, 1000, refused.sentAt);
    assert.deepEqual(told, [{ rate: scheduler.rate, pausedUntil: scheduler.pausedUntil() }], "told at once");
    await clock.advance(1000);
    for (let i = 0; i < 400; i++) {
      await clock.advance(15);
      const grant = await scheduler.acquire();
      grant.release();
      scheduler.record(200, undefined, grant.sentAt);
    }
    const span = clock.now() - (refused.sentAt + 1000);
    assert.ok(told.length > 1 && told.length <= 2 + span / 1000, `${told.length} reports in ${span} ms`);
    const rates = told.map((throttle) => throttle.rate);
    assert.deepEqual(
      rates,
      [...rates].sort((a, b) => a - b),
      `each report a higher rate: ${rates.join(", ")}`,
    );
  });
});

describe("the scheduler with a Retry-After beyond the deadline", () => {
  it("fails at once every waiting operation whose deadline comes before the pause ends, and keeps the others waiting", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock);
    const start = clock.now();
    const outcomes: string[] = [];
    const wait = (name: string, deadline: number): Promise<void> =>
      scheduler
        .acquire(undefined, () => deadline)
        .then(
          (grant) => void (outcomes.push(`${name} granted`), grant.release()),
          (error: Error) => void outcomes.push(`${name}: ${error.message}`),
        );
    scheduler.record(429, 30 * 24 * 3600_000, clock.now()); // "Try again in 30 days"
    const short = wait("short", start + 600_000);
    const long = wait("long", start + 40 * 24 * 3600_000);
    await flush();
    await short;
    assert.equal(outcomes.length, 1, "the short-deadline operation did not wait for its deadline");
    assert.match(
      outcomes[0]!,
      /^short: Partner Center's rate limit holds requests until .* \(its Retry-After, or the longer pause after 429s in a row\), past this operation's deadline .*: failed at once instead of waiting$/,
    );
    await clock.advance(30 * 24 * 3600_000);
    await long;
    assert.deepEqual(outcomes.slice(1), ["long granted"]);
  });

  it("a wait longer than a Node timer can hold is given to the timer in pieces it can hold (no 1 ms loop)", () => {
    assert.equal(timerDelay(30 * 24 * 3600_000), MAX_TIMER_MS);
    assert.equal(MAX_TIMER_MS, 2 ** 31 - 1);
    assert.equal(timerDelay(57_000), 57_000);
    assert.equal(timerDelay(-5), 0);
  });
});

describe("the scheduler with hostile time values (issue 22)", () => {
  it("a Retry-After no Date can hold, NaN or none: 24 hours at most, 1 s for NaN; a waiter past its deadline is refused at once, in words", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock);
    const outcomes: string[] = [];
    // As a Retry-After of 20 digits would give without the parser's clamp: 1e23 ms, past any Date.
    scheduler.record(429, 1e23, clock.now());
    assert.equal(scheduler.pausedUntil(), clock.now() + MAX_RETRY_AFTER_MS);
    void scheduler
      .acquire(undefined, () => clock.now() + 600_000)
      .then(
        (grant) => void (outcomes.push("granted"), grant.release()),
        (error: Error) => void outcomes.push(error.message),
      );
    await flush();
    assert.equal(outcomes.length, 1, "the waiter settled without any time passing");
    assert.match(
      outcomes[0]!,
      /^Partner Center's rate limit holds requests until \d{4}-\d\d-\d\dT.* past this operation's deadline at \d{4}-\d\d-\d\dT.*failed at once instead of waiting$/,
    );
    const fresh = new RequestScheduler(10, clock);
    fresh.record(429, Number.NaN, clock.now());
    assert.equal(fresh.pausedUntil(), clock.now() + 1000, "NaN is no Retry-After");
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      assert.throws(() => new RequestScheduler(bad, clock), /^RangeError: maxConcurrency must be a whole number/);
  });

  it("Retry-After: 0 still pauses at least MIN_THROTTLE_PAUSE_MS, doubling with each 429 in a row; a 429 to a request already in flight adds nothing; an acceptance resets it", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock);
    const pauses: number[] = [];
    const throttleOnce = async (): Promise<void> => {
      const grant = await grantedSoon(scheduler, clock);
      grant.release();
      scheduler.record(429, 0, grant.sentAt);
      pauses.push(scheduler.pausedUntil() - clock.now());
      await clock.advance(scheduler.pausedUntil() - clock.now());
    };
    for (let i = 0; i < 10; i++) await throttleOnce();
    assert.deepEqual(pauses, [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);

    // Two requests in flight together, both refused: one refusal, not two in a row.
    const fresh = new RequestScheduler(10, clock);
    const first = await fresh.acquire();
    const second = await fresh.acquire();
    first.release();
    second.release();
    await clock.advance(10);
    fresh.record(429, 0, first.sentAt);
    fresh.record(429, 0, second.sentAt);
    assert.equal(fresh.pausedUntil() - clock.now(), MIN_THROTTLE_PAUSE_MS);

    // An acceptance of a request sent after the pause resets the back-off.
    await clock.advance(30_000);
    const accepted = await scheduler.acquire();
    accepted.release();
    scheduler.record(200, undefined, accepted.sentAt);
    pauses.length = 0;
    await throttleOnce();
    assert.deepEqual(pauses, [MIN_THROTTLE_PAUSE_MS]);
    assert.equal(MAX_THROTTLE_BACKOFF_MS, 30_000);
  });
});
