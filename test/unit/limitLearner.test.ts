import { strict as assert } from "node:assert";
import { createLimiter, parseRateLimit, type RateLimit } from "../../emulator/rateLimits";
import { LimitLearner } from "../../provider/client/limitLearner";
import { earliestFinish } from "../../bench/bound";
import { simulateLimit } from "../support/limitSimulation";

describe("learning Partner Center's limit from its 429s", () => {
  it("knows nothing and holds nothing back before the first 429", () => {
    const learner = new LimitLearner();
    for (let i = 0; i < 1000; i++) assert.equal(learner.nextSendTime(0), 0, "every request may go at once");
    assert.deepEqual(learner.estimate, { quota: undefined, pace: undefined, pausedUntil: 0 });
  });

  it("a 429 pauses every request until Retry-After; what was accepted before it is the quota; 429s of requests in flight teach nothing new", () => {
    const learner = new LimitLearner();
    const sentAt = Array.from({ length: 8 }, () => learner.sent(0));
    for (const time of sentAt.slice(0, 6)) learner.answered(40, time, false, undefined);
    learner.answered(40, sentAt[6]!, true, 5000);
    assert.deepEqual({ quota: learner.estimate.quota, pausedUntil: learner.pausedUntil }, { quota: 6, pausedUntil: 5040 });
    // The eighth was sent before the pause began: it extends the pause by its own Retry-After, the quota stays.
    learner.answered(41, sentAt[7]!, true, 5000);
    assert.deepEqual({ quota: learner.estimate.quota, pausedUntil: learner.pausedUntil }, { quota: 6, pausedUntil: 5041 });
    assert.equal(learner.nextSendTime(100), 5041, "nothing goes during the pause");
  });

  it("a cycle in which nothing was accepted (a window another process used up) pauses, and teaches nothing", () => {
    const learner = new LimitLearner();
    const sentAt = Array.from({ length: 16 }, () => learner.sent(0));
    for (const time of sentAt) learner.answered(40, time, true, 5000);
    assert.deepEqual(learner.estimate, { quota: undefined, pace: undefined, pausedUntil: 5040 });
    assert.equal(learner.nextSendTime(5040), 5040, "after the pause, full speed again");
  });

  it("after the pause the quota goes at once, and the requests beyond it at 95 % of the rate the last cycle was accepted at", () => {
    const learner = new LimitLearner();
    const sentAt = Array.from({ length: 600 }, () => learner.sent(0));
    for (const time of sentAt) learner.answered(40, time, false, undefined);
    learner.answered(40, learner.sent(0), true, 5960); // 600 accepted in a cycle of 6 s, pause included
    const pace = learner.estimate.pace!;
    assert.ok(Math.abs(pace - 95) < 1e-9, `pace ${pace}`);
    for (let i = 0; i < 600; i++) {
      assert.equal(learner.nextSendTime(6000), 6000);
      learner.sent(6000);
    }
    assert.equal(learner.nextSendTime(6000), 6000 + 1000 / pace, "the 601st waits one interval");
  });

  it("a long Retry-After ending a paced cycle says a window reset: all it accepted becomes the quota; a short one lowers the pace and keeps the quota", () => {
    const run = (retryAfterMs: number): { quota: number | undefined; pace: number | undefined } => {
      const learner = new LimitLearner();
      // Cycle 1: 10 accepted at full speed, then a 429 with 1 s to wait: quota 10.
      for (const time of Array.from({ length: 10 }, () => learner.sent(0))) learner.answered(40, time, false, undefined);
      learner.answered(40, learner.sent(0), true, 1000);
      // Cycle 2: the quota at once, then 50 paced requests the service took, then a 429.
      let now = 1040;
      for (let i = 0; i < 60; i++) {
        now = learner.nextSendTime(now);
        learner.answered(now, learner.sent(now), false, undefined);
      }
      learner.answered(now, learner.sent(now), true, retryAfterMs);
      return { quota: learner.estimate.quota, pace: learner.estimate.pace };
    };
    assert.equal(run(5000).quota, 60, "a window: everything it took comes back at once after the reset");
    const bucket = run(1000);
    assert.equal(bucket.quota, 10, "a bucket: its burst is what it was");
  });

  it("a window met part-way through (a new process after another's requests) is learned whole at its next reset", () => {
    const limit: RateLimit = { shape: "fixedWindow", quota: 600, windowSeconds: 6 };
    const server = createLimiter(limit);
    for (let i = 0; i < 300; i++) server.take(-3000); // half the window used 3 s before this process starts
    const run = simulateLimit(limit, { requests: 1200, parallel: 16, latencyMs: 40, server });
    const fresh = createLimiter(limit);
    for (let i = 0; i < 300; i++) fresh.take(-3000);
    const bound = earliestFinish(fresh, 0, new Array<number>(1200).fill(1), 16, 40);
    assert.ok(bound / run.finishMs >= 0.9, `${(bound / run.finishMs).toFixed(3)} of the bound (${run.finishMs} ms against ${bound} ms)`);
  });

  // Discrete-event runs of 1200 requests (a 600-budget create) against each shape, every one averaging
  // 100 requests/s; the bound is the earliest finish the limit and the parallelism allow together.
  const cases: { limit: string; parallel: number; latencyMs: number; ratio: number; share: number }[] = [
    { limit: "bucket:100", parallel: 16, latencyMs: 40, ratio: 0.95, share: 0.03 },
    { limit: "bucket:100", parallel: 64, latencyMs: 300, ratio: 0.9, share: 0.05 },
    { limit: "fixed:600/6", parallel: 8, latencyMs: 40, ratio: 0.98, share: 0.01 },
    { limit: "fixed:600/6", parallel: 16, latencyMs: 40, ratio: 0.92, share: 0.02 },
    { limit: "sliding:600/6", parallel: 16, latencyMs: 40, ratio: 0.92, share: 0.02 },
    { limit: "sliding:600/6", parallel: 64, latencyMs: 300, ratio: 0.88, share: 0.055 },
    // A bucket with a burst of 10: its rate shows only by probing (each probe past it costs a 1-s pause).
    { limit: "bucket:100:10", parallel: 16, latencyMs: 40, ratio: 0.7, share: 0.02 },
  ];
  for (const { limit: text, parallel, latencyMs, ratio, share } of cases) {
    it(`${text}, --parallel ${parallel}, ${latencyMs} ms: at least ${ratio} of the bound, at most ${share * 100} % answered 429`, () => {
      const limit = parseRateLimit(text) as RateLimit;
      const run = simulateLimit(limit, { requests: 1200, parallel, latencyMs });
      const bound = earliestFinish(createLimiter(limit), 0, new Array<number>(1200).fill(1), parallel, latencyMs);
      assert.ok(bound / run.finishMs >= ratio, `${(bound / run.finishMs).toFixed(3)} of the bound (${run.finishMs} ms against ${bound} ms)`);
      assert.ok(run.throttled / run.sent <= share, `${run.throttled} of ${run.sent} answered 429`);
    });
  }
});
