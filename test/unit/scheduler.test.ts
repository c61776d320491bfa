import { strict as assert } from "node:assert";
import { MAX_REMEMBERED_PAUSE_MS, MIN_PACE } from "../../provider/client/throttle/limitLearner";
import {
  CUSTOMER_WINDOW_MS,
  MAX_THROTTLE_BACKOFF_MS,
  MIN_THROTTLE_PAUSE_MS,
  PauseOutlastsDeadline,
  RequestScheduler,
} from "../../provider/client/throttle/scheduler";
import { FakeClock, flush } from "../support/fakeClock";
import { MAX_TIMER_MS, timerDelay } from "../../provider/client/clock";

const A = "customer-a";
const B = "customer-b";
const C = "customer-c";

/** Starts an acquire and reports when it was granted. */
function track(
  scheduler: RequestScheduler,
  customer: string | undefined,
  signal?: AbortSignal,
): { granted: () => boolean; release: () => Promise<void>; done: Promise<() => void> } {
  let granted = false;
  const done = scheduler.acquire(customer, signal).then((grant) => ((granted = true), grant.release));
  return { granted: () => granted, release: async () => (await done)(), done };
}

/** Two seconds of successful sends at 100/s, so that a 429 has a realistic history to learn from. */
async function warmUp(scheduler: RequestScheduler, clock: FakeClock): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await clock.advance(10);
    const grant = await scheduler.acquire("warm-up");
    grant.release();
    scheduler.record("warm-up", 200, undefined, grant.sentAt);
  }
}

/** Three requests about one customer within a second, then a 429: retries hammering that customer (CUSTOMER_WINDOW_MS). */
async function hammerCustomer(
  scheduler: RequestScheduler,
  clock: FakeClock,
  customer: string,
  retryAfterMs: number,
): Promise<void> {
  for (let i = 0; i < 3; i++) (await scheduler.acquire(customer)).release();
  scheduler.record(customer, 429, retryAfterMs, clock.now());
}

describe("the process-wide scheduler", () => {
  it("a 429 on a customer's third request within a second pauses that customer until Retry-After, and no other", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock);
    await warmUp(scheduler, clock);
    await hammerCustomer(scheduler, clock, A, 57_000);
    const a = track(scheduler, A);
    const b = track(scheduler, B);
    await clock.advance(50);
    assert.equal(b.granted(), true, "customer B is only paced by the lowered rate, not paused");
    assert.equal(a.granted(), false, "customer A waits");
    await clock.advance(56_949);
    assert.equal(a.granted(), false, "still within Retry-After");
    await clock.advance(1);
    assert.equal(a.granted(), true, "released exactly at Retry-After");
    assert.deepEqual(
      {
        throttled: scheduler.stats.throttled,
        customerPauses: scheduler.stats.customerPauses,
        partnerPauses: scheduler.stats.partnerPauses,
      },
      { throttled: 1, customerPauses: 1, partnerPauses: 0 },
    );
  });

  it("a 429 on a customer's first or second request within a second (a GET then its PATCH) pauses every request to the partner", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock);
    await warmUp(scheduler, clock);
    (await scheduler.acquire(A)).release();
    await clock.advance(CUSTOMER_WINDOW_MS + 1);
    (await scheduler.acquire(A)).release();
    (await scheduler.acquire(A)).release();
    scheduler.record(A, 429, 3000, clock.now());
    const c = track(scheduler, C);
    const none = track(scheduler, undefined);
    await clock.advance(2999);
    assert.equal(c.granted(), false);
    assert.equal(none.granted(), false);
    await clock.advance(1);
    assert.equal(c.granted(), true);
    assert.equal(none.granted(), true);
    assert.deepEqual(
      { partnerPauses: scheduler.stats.partnerPauses, customerPauses: scheduler.stats.customerPauses },
      { partnerPauses: 1, customerPauses: 0 },
    );
  });

  it("a 429 about no customer (the customer list) pauses the partner", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock);
    scheduler.record(undefined, 429, 1000, clock.now());
    assert.equal(scheduler.pausedUntil(A), clock.now() + 1000);
  });

  it("a 429 without Retry-After pauses for one second", () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock);
    scheduler.record(A, 429, undefined, clock.now());
    assert.equal(scheduler.pausedUntil(A), clock.now() + 1000);
  });

  it("caps the requests in flight and hands a freed slot to the next in line", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(2, clock);
    const first = track(scheduler, A);
    const second = track(scheduler, B);
    const third = track(scheduler, C);
    await flush();
    assert.deepEqual([first.granted(), second.granted(), third.granted()], [true, true, false]);
    await first.release();
    await flush();
    assert.equal(third.granted(), true);
    assert.equal(scheduler.stats.peakInFlight, 2);
  });

  it("gives up waiting when the operation's deadline aborts", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(1, clock);
    await warmUp(scheduler, clock);
    await hammerCustomer(scheduler, clock, A, 60_000);
    const controller = new AbortController();
    const waiting = scheduler.acquire(A, controller.signal);
    const blocked = track(scheduler, B);
    await clock.advance(50);
    assert.equal(blocked.granted(), true);
    const slotWaiter = new AbortController();
    const queued = scheduler.acquire(C, slotWaiter.signal);
    await flush();
    controller.abort(new Error("deadline"));
    slotWaiter.abort(new Error("deadline"));
    await assert.rejects(waiting, /deadline/);
    await assert.rejects(queued, /deadline/);
    await blocked.release();
    assert.equal(clock.pending, 0, "no sleeper is left behind");
  });

  it("after a pause, lets the learned quota go at once and paces the requests beyond it", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(1000, clock);
    // Five accepted, then a 429 with 1 s to wait: the limit allows five after a reset.
    const sentAt = clock.now();
    for (let i = 0; i < 5; i++) (await scheduler.acquire(`c${i}`)).release();
    for (let i = 0; i < 5; i++) scheduler.record(`c${i}`, 200, undefined, sentAt);
    scheduler.record(undefined, 429, 1000, sentAt);
    assert.equal(scheduler.limit.quota, 5);
    const grants = Array.from({ length: 7 }, (_, i) => track(scheduler, `d${i}`));
    await clock.advance(999);
    assert.equal(grants.filter((grant) => grant.granted()).length, 0, "nothing goes during the pause");
    await clock.advance(1);
    assert.equal(grants.filter((grant) => grant.granted()).length, 5, "the quota goes at once when the pause ends");
    await clock.advance(Math.ceil(1000 / scheduler.limit.pace!) + 1);
    assert.equal(grants.filter((grant) => grant.granted()).length, 6, "the next one a pace's interval later");
  });
});

describe("the scheduler started from a remembered limit", () => {
  it("a remembered pace of 1e-9 a second is the learner's slowest: a request queued beyond the quota gets its turn within one interval of it", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock, {
      remembered: { quota: 1, pace: 1e-9, overshot: true, pausedUntil: 0 },
    });
    assert.equal(scheduler.limit.pace, MIN_PACE);
    const first = track(scheduler, A);
    const second = track(scheduler, B);
    await flush();
    assert.equal(first.granted(), true, "the quota goes at once");
    await clock.advance(1000 / MIN_PACE - 1);
    assert.equal(second.granted(), false, "paced");
    await clock.advance(1);
    assert.equal(second.granted(), true, "one interval of the slowest pace later, not 31 years");
  });

  it("a remembered pause without end holds 5 minutes at most, and a deadline before it still fails at once, naming both times", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const scheduler = new RequestScheduler(10, clock, {
      remembered: { quota: 5, pace: 10, overshot: false, pausedUntil: Number.POSITIVE_INFINITY },
    });
    assert.equal(scheduler.limit.pausedUntil, start + MAX_REMEMBERED_PAUSE_MS);
    await assert.rejects(
      scheduler.acquire(A, undefined, () => start + 1000),
      (error: Error) =>
        error instanceof PauseOutlastsDeadline &&
        error.message.includes(new Date(start + MAX_REMEMBERED_PAUSE_MS).toISOString()),
    );
    const waiting = track(scheduler, B);
    await clock.advance(MAX_REMEMBERED_PAUSE_MS - 1);
    assert.equal(waiting.granted(), false, "the pause holds");
    await clock.advance(1);
    assert.equal(waiting.granted(), true, "and ends 5 minutes after the process started");
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
        .acquire(A, undefined, () => deadline)
        .then(
          (grant) => void (outcomes.push(`${name} granted`), grant.release()),
          (error: Error) => void outcomes.push(`${name}: ${error.message}`),
        );
    scheduler.record(undefined, 429, 30 * 24 * 3600_000, clock.now()); // "Try again in 30 days", about the partner
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
  it("a pause no Date can hold still settles every waiter: refused at once, in words, never left in the queue", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock);
    const outcomes: string[] = [];
    // As a Retry-After of 20 digits would give without the parser's clamp: 1e23 ms, past any Date.
    scheduler.record(undefined, 429, 1e23, clock.now());
    void scheduler
      .acquire(A, undefined, () => clock.now() + 600_000)
      .then(
        (grant) => void (outcomes.push("granted"), grant.release()),
        (error: Error) => void outcomes.push(error.message),
      );
    await flush();
    assert.equal(outcomes.length, 1, "the waiter settled without any time passing");
    assert.match(
      outcomes[0]!,
      /^Partner Center's rate limit holds requests until 1\.0+\d*e\+23 ms after the epoch .*past this operation's deadline at \d{4}-\d\d-\d\dT.*failed at once instead of waiting$/,
    );
  });

  it("Retry-After: 0 still pauses at least MIN_THROTTLE_PAUSE_MS, doubling with each 429 in a row; a 429 to a request already in flight adds nothing; an acceptance resets it", async () => {
    const clock = new FakeClock();
    const scheduler = new RequestScheduler(10, clock);
    const pauses: number[] = [];
    const throttleOnce = async (): Promise<void> => {
      const grant = await scheduler.acquire(undefined);
      grant.release();
      scheduler.record(undefined, 429, 0, grant.sentAt);
      pauses.push(scheduler.pausedUntil(undefined) - clock.now());
      await clock.advance(scheduler.pausedUntil(undefined) - clock.now());
    };
    for (let i = 0; i < 10; i++) await throttleOnce();
    assert.deepEqual(pauses, [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);

    // Two requests in flight together, both refused: one refusal, not two in a row.
    const fresh = new RequestScheduler(10, clock);
    const first = await fresh.acquire(undefined);
    const second = await fresh.acquire(undefined);
    first.release();
    second.release();
    await clock.advance(10);
    fresh.record(undefined, 429, 0, first.sentAt);
    fresh.record(undefined, 429, 0, second.sentAt);
    assert.equal(fresh.pausedUntil(undefined) - clock.now(), MIN_THROTTLE_PAUSE_MS);

    // An acceptance of a request sent after the pause resets the back-off.
    await clock.advance(30_000);
    const accepted = await scheduler.acquire(undefined);
    accepted.release();
    scheduler.record(undefined, 200, undefined, accepted.sentAt);
    pauses.length = 0;
    await throttleOnce();
    assert.deepEqual(pauses, [MIN_THROTTLE_PAUSE_MS]);
    assert.equal(MAX_THROTTLE_BACKOFF_MS, 30_000);
  });
});
