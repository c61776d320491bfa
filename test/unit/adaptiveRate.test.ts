import { strict as assert } from "node:assert";
import { parseRateLimit, type RateLimit } from "../../emulator/rateLimits";
import { AdaptiveRate, BETA, MAX_RATE, MIN_RATE } from "../../provider/client/throttle/adaptiveRate";
import { PartnerThrottle } from "../../provider/client/throttle/partnerThrottle";
import { simulateLimit } from "../support/limitSimulation";

/**
 * Sends from `from` for `ms` as often as the rate allows but at most `perSecond`, every request accepted at once;
 * returns when the last went.
 */
function sendAt(rate: AdaptiveRate, perSecond: number, from: number, ms: number): number {
  let last = from;
  for (let earliest = from; earliest < from + ms; earliest = last + 1000 / perSecond) {
    const at = rate.nextSendTime(earliest);
    if (at >= from + ms) break;
    rate.sent(at);
    rate.answered(at, at, false);
    last = at;
  }
  return last;
}

describe("the adaptive send rate (CUBIC, as smithy's DefaultRateLimiter)", () => {
  it("holds nothing back before the first 429", () => {
    const rate = new AdaptiveRate();
    for (let i = 0; i < 5000; i++) {
      assert.equal(rate.nextSendTime(1), 1);
      rate.sent(1);
    }
    assert.equal(rate.rate, undefined);
  });

  it("a 429 sets the rate to BETA × the rate requests went at over the last second, and paces requests one interval apart", () => {
    const rate = new AdaptiveRate();
    const last = sendAt(rate, 100, 0, 2000);
    rate.answered(last, last, true);
    assert.ok(Math.abs(rate.rate! - 100 * BETA) < 1.5, `about 70 a second, not ${rate.rate}`);
    const first = rate.nextSendTime(last);
    rate.sent(first);
    assert.equal(rate.nextSendTime(first), first + 1000 / rate.rate!, "the next one interval later");
  });

  it("a 429 to a request sent before the last decrease (in flight then) decreases nothing; one sent after does", () => {
    const rate = new AdaptiveRate();
    const last = sendAt(rate, 100, 0, 2000);
    rate.answered(last + 40, last, true);
    const lowered = rate.rate!;
    rate.answered(last + 41, last, true);
    assert.equal(rate.rate, lowered, "in flight when the rate fell");
    const next = rate.nextSendTime(last + 41);
    rate.sent(next);
    rate.answered(next + 40, next, true);
    assert.ok(rate.rate! < lowered, `${rate.rate} < ${lowered}`);
  });

  it("climbs back to the rate before the 429 along the cubic curve, and beyond it only while requests go at it", () => {
    const rate = new AdaptiveRate();
    const last = sendAt(rate, 100, 0, 2000);
    rate.answered(last, last, true);
    // K = cbrt(100 × (1 − BETA) / 0.4) ≈ 4.2 s after the decrease the curve is back at 100.
    sendAt(rate, 1000, last, 4200);
    assert.ok(Math.abs(rate.rate! - 100) < 2, `about 100 again, not ${rate.rate}`);
    sendAt(rate, 1000, last + 4200, 3000);
    const probed = rate.rate!;
    assert.ok(probed > 105, `beyond it while held back: ${probed}`);
    // Nothing sent for a minute: the curve would be far above, yet the rate stays where requests last went.
    rate.answered(last + 70_000, last + 60_000, false);
    assert.equal(rate.rate, probed, "grows no further without requests, and never falls on success");
  });

  it("keeps the rate within what it can represent, whatever the meter read", () => {
    const slow = new AdaptiveRate();
    slow.sent(0);
    slow.answered(60_000, 0, true);
    assert.equal(slow.rate, MIN_RATE, "one request a minute is the slowest rate, not 1/60");
    const fast = new AdaptiveRate();
    for (let i = 0; i < 5 * MAX_RATE; i++) fast.sent(0);
    fast.answered(1, 0, true);
    assert.equal(fast.rate, MAX_RATE * BETA, "a meter of 5,000 in 1 ms is the fastest rate at most");
    assert.equal(fast.nextSendTime(2) - 2, 0, "and the first paced request goes at once");
  });
});

describe("the partner throttle on simulated time", () => {
  // Discrete-event runs of 1200 requests (a 600-budget create) against each shape, every one averaging 100 requests/s.
  // Here what the throttle must do; how close it comes to the earliest finish is the benchmark's (bench/throttleSimulation.ts).
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
    it(`${text}, --parallel ${parallel}, ${latencyMs} ms: every request is accepted in the end, paced at a rate the 429s set`, () => {
      const limit = parseRateLimit(text) as RateLimit;
      const throttle = new PartnerThrottle();
      const run = simulateLimit(limit, { requests: 1200, parallel, latencyMs, throttle });
      assert.equal(run.accepted, 1200);
      assert.ok(run.throttled > 0 && throttle.rate !== undefined, "the limit was met, and set a rate");
      // Unpaced (sent again as soon as each pause ends), the buckets drew 15 % to 73 % of their requests as 429s; a
      // window's own pause keeps its share low either way.
      assert.ok(run.throttled / run.sent < 0.1, `${run.throttled} of ${run.sent} answered 429`);
    });
  }
});
