import { strict as assert } from "node:assert";
import { earliestFinish } from "../../bench/bound";
import {
  createLimiter,
  describeRateLimit,
  parseRateLimit,
  sustainedRate,
  type RateLimit,
} from "../../emulator/rateLimits";

/** What each request at the given times (ms) is answered: 0 for through, else Retry-After seconds. */
function answers(limit: RateLimit, times: number[]): number[] {
  const limiter = createLimiter(limit);
  return times.map((time) => limiter.take(time));
}

describe("the emulator's rate-limit shapes", () => {
  it("a token bucket lets its burst through at once, then refills at its rate, Retry-After in whole seconds", () => {
    // 10/s, burst 3: three at t=0, the fourth refused for 1 s (0.1 s rounded up); at 100 ms one token is back.
    assert.deepEqual(answers({ perSecond: 10, burst: 3 }, [0, 0, 0, 0, 100, 100]), [0, 0, 0, 1, 0, 1]);
    // 1 every 4 s: the wait rounds up to 4 s.
    assert.deepEqual(answers({ perSecond: 0.25, burst: 1 }, [0, 1]), [0, 4]);
  });

  it("a fixed window takes its quota at any pace, refuses until the window's end, and is whole again at once", () => {
    const limit: RateLimit = { shape: "fixedWindow", quota: 3, windowSeconds: 6 };
    // Windows run from the first request: [0, 6000), [6000, 12000) …
    assert.deepEqual(
      answers(limit, [0, 10, 20, 30, 2500, 5999, 6000, 6000, 6000, 6000, 13_000]),
      [0, 0, 0, 6, 4, 1, 0, 0, 0, 6, 0],
    );
  });

  it("a sliding window refuses until its oldest request leaves it, then frees one slot at a time", () => {
    const limit: RateLimit = { shape: "slidingWindow", quota: 2, windowSeconds: 5 };
    // Accepted at 0 and 3000; at 4000 the oldest leaves at 5000 (1 s); at 5000 one slot, at 5001 none until 8000 (3 s).
    assert.deepEqual(answers(limit, [0, 3000, 4000, 5000, 5001]), [0, 0, 1, 0, 3]);
  });

  it("reads the command line's words, says what is wrong otherwise, and knows each shape's long-run rate", () => {
    assert.deepEqual(parseRateLimit("100"), { perSecond: 100 });
    assert.deepEqual(parseRateLimit("bucket:100:10"), { perSecond: 100, burst: 10 });
    assert.deepEqual(parseRateLimit("fixed:600/6"), { shape: "fixedWindow", quota: 600, windowSeconds: 6 });
    assert.deepEqual(parseRateLimit("sliding:600/6"), { shape: "slidingWindow", quota: 600, windowSeconds: 6 });
    for (const bad of ["0", "bucket:10:0", "fixed:600", "sliding:1.5/6", "window:6/6", ""]) {
      assert.match(String(parseRateLimit(bad)), /is not a limit: write N or bucket:N\[:BURST\]/, bad);
    }
    for (const text of ["bucket:100", "bucket:100:10", "fixed:600/6", "sliding:600/6"]) {
      const limit = parseRateLimit(text) as RateLimit;
      assert.equal(describeRateLimit(limit), text);
      assert.equal(sustainedRate(limit), 100);
    }
  });
});

describe("the earliest a phase can finish under a limit (a benchmark's bound)", () => {
  const ones = (count: number): number[] => new Array<number>(count).fill(1);

  it("from a fresh state: a bucket's burst at once then its rate; a window's quota per window", () => {
    const from = 1_000_000;
    // Without latency or a parallelism cap: 10/s, burst 5: five at once, the 25th at 2 s.
    assert.equal(earliestFinish(createLimiter({ perSecond: 10, burst: 5 }), from, ones(25), 25, 0) - from, 2000);
    // 3 per 6 s fixed: the 7th opens the third window, at 12 s.
    assert.equal(
      earliestFinish(createLimiter({ shape: "fixedWindow", quota: 3, windowSeconds: 6 }), from, ones(7), 7, 0) - from,
      12_000,
    );
    assert.equal(
      earliestFinish(createLimiter({ shape: "slidingWindow", quota: 3, windowSeconds: 6 }), from, ones(7), 7, 0) - from,
      12_000,
    );
  });

  it("from the state the limit is in, without changing it", () => {
    const limiter = createLimiter({ shape: "slidingWindow", quota: 2, windowSeconds: 5 });
    limiter.take(0);
    limiter.take(3000);
    // At 4000 both slots are taken: the first frees at 5000, the second at 8000.
    assert.equal(earliestFinish(limiter, 4000, ones(2), 2, 0), 8000);
    assert.equal(limiter.take(4000), 1, "the limiter itself is untouched");
  });

  it("with parallelism: steps send their operation's requests in turn, each taking the latency", () => {
    // No limit: 10 operations of 2 requests, 4 steps, 40 ms each: 3 rounds × 80 ms.
    assert.equal(earliestFinish(undefined, 0, new Array<number>(10).fill(2), 4, 40), 240);
  });
});
