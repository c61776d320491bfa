import { strict as assert } from "node:assert";
import { createLimiter, parseRateLimit, type RateLimit } from "../../emulator/rateLimits";
import {
  LimitLearner,
  MAX_PACE,
  MAX_QUOTA,
  MAX_REMEMBERED_PAUSE_MS,
  MIN_PACE,
} from "../../provider/client/throttle/limitLearner";
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
    assert.deepEqual(
      { quota: learner.estimate.quota, pausedUntil: learner.pausedUntil },
      { quota: 6, pausedUntil: 5040 },
    );
    // The eighth was sent before the pause began: it extends the pause by its own Retry-After, the quota stays.
    learner.answered(41, sentAt[7]!, true, 5000);
    assert.deepEqual(
      { quota: learner.estimate.quota, pausedUntil: learner.pausedUntil },
      { quota: 6, pausedUntil: 5041 },
    );
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
      for (const time of Array.from({ length: 10 }, () => learner.sent(0)))
        learner.answered(40, time, false, undefined);
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

  it("at a high latency, a 429 refusing a request of the burst sets the quota even after paced requests went out; acceptances arriving after it count toward the quota", () => {
    const learner = new LimitLearner();
    // Cycle 1: 11 accepted at full speed (a burst of 10 and one token refilled meanwhile), then a 429 with 1 s to wait.
    for (const time of Array.from({ length: 11 }, () => learner.sent(0))) learner.answered(300, time, false, undefined);
    learner.answered(300, learner.sent(0), true, 1000);
    assert.equal(learner.estimate.quota, 11);
    // Cycle 2: the burst of 11 at once, then paced requests, sent while the burst's answers are still 300 ms away.
    const burst = Array.from({ length: 11 }, () => learner.sent(1300));
    let now = 1300;
    const paced: number[] = [];
    while ((now = learner.nextSendTime(now)) < 1600) paced.push(learner.sent(now));
    assert.ok(paced.length >= 1, "paced requests went out before the burst's answers came back");
    // The burst's answers arrive together, the refusal of its last request first.
    learner.answered(1600, burst[10]!, true, 1000);
    for (const time of burst.slice(0, 10)) learner.answered(1600, time, false, undefined);
    assert.equal(
      learner.estimate.quota,
      10,
      "the bucket's burst, counted from the acceptances that arrived after the 429",
    );
    // Paced at what the cycle got accepted, its pause included (10 in 1.3 s), not backed off as an overshoot of the pace.
    assert.ok(Math.abs(learner.estimate.pace! - (10 / 1.3) * 0.95) < 1e-9, `pace ${learner.estimate.pace}`);
  });

  it("the pace grows only while requests go at it: held back by the parallelism instead, it stays (it grew without end, and remembered, let bursts through)", () => {
    const learner = new LimitLearner({ quota: 10, pace: 50, overshot: false, pausedUntil: 0 }, 0);
    for (const time of Array.from({ length: 10 }, () => learner.sent(0))) learner.answered(40, time, false, undefined);
    // Ten a second for five seconds, all accepted: the pace (50 a second) never held one back.
    for (let now = 100; now <= 5000; now += 100) learner.answered(now + 40, learner.sent(now), false, undefined);
    assert.equal(learner.estimate.pace, 50);
    // At the pace, it grows.
    let now = 5100;
    for (let i = 0; i < 100; i++) {
      now = learner.nextSendTime(now);
      learner.answered(now, learner.sent(now), false, undefined);
    }
    assert.ok(learner.estimate.pace! > 50, `pace ${learner.estimate.pace}`);
  });

  it("held back only by waves of answers (the parallelism binds), the pace stays within twice what is accepted", () => {
    const learner = new LimitLearner({ quota: 1, pace: 50, overshot: false, pausedUntil: 0 }, 0);
    // 16 workers whose answers come back together, every 300 ms: at most 53 a second; nothing is refused.
    let inFlight: { at: number; sentAt: number }[] = [];
    let now = 0;
    let ready = 16;
    for (let done = 0; done < 2000;) {
      const sendAt = ready > 0 ? learner.nextSendTime(now) : Number.POSITIVE_INFINITY;
      const answerAt = Math.min(...inFlight.map((request) => request.at));
      if (sendAt <= answerAt) {
        now = sendAt;
        inFlight.push({ at: Math.ceil((now + 300) / 300) * 300, sentAt: learner.sent(now) });
        ready -= 1;
        continue;
      }
      now = answerAt;
      for (const request of inFlight.filter((r) => r.at === answerAt))
        learner.answered(now, request.sentAt, false, undefined);
      const answered = inFlight.filter((r) => r.at === answerAt).length;
      inFlight = inFlight.filter((r) => r.at !== answerAt);
      ready += answered;
      done += answered;
    }
    assert.ok(learner.estimate.pace! <= 2 * 54, `pace ${learner.estimate.pace}`);
  });

  it("a remembered limit is clamped to what the learner could have learned itself, whoever passes it", () => {
    const now = 1_000_000;
    const cases: {
      remembered: { quota: number; pace: number; pausedUntil: number };
      expected: { quota: number | undefined; pace: number | undefined; pausedUntil: number };
    }[] = [
      { remembered: { quota: 0, pace: 1e-9, pausedUntil: -5 }, expected: { quota: 1, pace: MIN_PACE, pausedUntil: 0 } },
      {
        remembered: { quota: 2.7, pace: Number.POSITIVE_INFINITY, pausedUntil: Number.POSITIVE_INFINITY },
        expected: { quota: 2, pace: MAX_PACE, pausedUntil: now + MAX_REMEMBERED_PAUSE_MS },
      },
      {
        remembered: { quota: 1e12, pace: 1e308, pausedUntil: 8.64e15 },
        expected: { quota: MAX_QUOTA, pace: MAX_PACE, pausedUntil: now + MAX_REMEMBERED_PAUSE_MS },
      },
      {
        remembered: { quota: 10, pace: 50, pausedUntil: now + 1000 },
        expected: { quota: 10, pace: 50, pausedUntil: now + 1000 },
      },
      // Not a number at all: nothing to clamp to, so nothing is remembered.
      {
        remembered: { quota: Number.NaN, pace: 50, pausedUntil: 0 },
        expected: { quota: undefined, pace: undefined, pausedUntil: 0 },
      },
      {
        remembered: { quota: 10, pace: Number.NaN, pausedUntil: 0 },
        expected: { quota: undefined, pace: undefined, pausedUntil: 0 },
      },
    ];
    for (const { remembered, expected } of cases) {
      assert.deepEqual(
        new LimitLearner({ ...remembered, overshot: true }, now).estimate,
        expected,
        JSON.stringify(remembered),
      );
    }
  });

  it("learns, itself, a pace and a quota within the same bounds (101,000 accepted at once, then a 429 with no wait)", () => {
    const learner = new LimitLearner();
    const sentAt = Array.from({ length: MAX_QUOTA + 1000 }, () => learner.sent(0));
    for (const time of sentAt) learner.answered(0, time, false, undefined);
    learner.answered(0, learner.sent(0), true, 0);
    assert.deepEqual(
      { quota: learner.estimate.quota, pace: learner.estimate.pace },
      { quota: MAX_QUOTA, pace: MAX_PACE },
    );
  });

  it("a window met part-way through (a new process after another's requests) is learned whole at its next reset", () => {
    const limit: RateLimit = { shape: "fixedWindow", quota: 600, windowSeconds: 6 };
    const server = createLimiter(limit);
    for (let i = 0; i < 300; i++) server.take(-3000); // half the window used 3 s before this process starts
    const learner = new LimitLearner();
    const run = simulateLimit(limit, { requests: 1200, parallel: 16, latencyMs: 40, server, learner });
    assert.equal(run.accepted, 1200);
    assert.equal(learner.estimate.quota, 600, "the whole window, not the part this process met first");
  });

  // Discrete-event runs of 1200 requests (a 600-budget create) against each shape, every one averaging 100 requests/s.
  // Here what the learner must do; how close it comes to the earliest finish is the benchmark's (bench/learner.ts).
  const cases: { limit: string; parallel: number; latencyMs: number }[] = [
    { limit: "bucket:100", parallel: 16, latencyMs: 40 },
    { limit: "bucket:100", parallel: 64, latencyMs: 300 },
    { limit: "fixed:600/6", parallel: 8, latencyMs: 40 },
    { limit: "fixed:600/6", parallel: 16, latencyMs: 40 },
    { limit: "sliding:600/6", parallel: 16, latencyMs: 40 },
    { limit: "sliding:600/6", parallel: 64, latencyMs: 300 },
    { limit: "bucket:100:10", parallel: 16, latencyMs: 40 },
    { limit: "bucket:100:10", parallel: 64, latencyMs: 300 },
  ];
  for (const { limit: text, parallel, latencyMs } of cases) {
    const window = !text.startsWith("bucket:");
    const also = window
      ? "; the window's 600 is learned from the first 429, and the other 600 go after the reset with none refused"
      : "";
    it(`${text}, --parallel ${parallel}, ${latencyMs} ms: every request is accepted in the end${also}`, () => {
      const limit = parseRateLimit(text) as RateLimit;
      const learner = new LimitLearner();
      const run = simulateLimit(limit, { requests: 1200, parallel, latencyMs, learner });
      assert.equal(run.accepted, 1200);
      assert.ok(
        run.throttled > 0 && learner.estimate.quota !== undefined && learner.estimate.pace !== undefined,
        "the limit was met and learned",
      );
      // A bucket's rate shows only by probing past it: its later 429s are the probes.
      if (window)
        assert.deepEqual(
          { quota: learner.estimate.quota, throttledLater: run.throttledLater },
          { quota: 600, throttledLater: 0 },
        );
    });
  }
});
