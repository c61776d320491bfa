import { strict as assert } from "node:assert";
import { AdaptiveRateLimiter } from "../../provider/client/rateLimiter";

/** Sends `rate` requests per second for `seconds`, recording each as ok, starting at `start`; returns the end time. */
function sendSteadily(limiter: AdaptiveRateLimiter, start: number, seconds: number, rate: number): number {
  for (let i = 0; i < seconds * rate; i++) limiter.record(start + i / rate, false);
  return start + seconds;
}

describe("the adaptive rate limiter", () => {
  it("does not limit anything until the first throttle", () => {
    const limiter = new AdaptiveRateLimiter();
    sendSteadily(limiter, 0, 2, 200);
    assert.equal(limiter.state.enabled, false);
    for (let i = 0; i < 1000; i++) assert.equal(limiter.tryAcquire(2), 0);
  });

  it("on the first throttle drops to 70 % of the rate sent", () => {
    const limiter = new AdaptiveRateLimiter();
    const end = sendSteadily(limiter, 0, 3, 100);
    limiter.record(end, true);
    assert.equal(limiter.state.enabled, true);
    const rate = limiter.state.fillRate;
    assert.ok(rate > 65 && rate < 75, `fill rate ${rate}`);
  });

  it("on a later throttle sets the rate to the accepted rate over the cycle, its pause included", () => {
    const limiter = new AdaptiveRateLimiter();
    const end = sendSteadily(limiter, 0, 3, 200);
    limiter.record(end, true);
    // A 1 s pause, then 4 s at 125/s accepted: 500 accepted over a 5 s cycle, 100/s.
    const resumed = end + 1;
    for (let i = 0; i < 500; i++) limiter.record(resumed + i / 125, false);
    limiter.record(resumed + 4, true);
    const rate = limiter.state.fillRate;
    assert.ok(rate > 95 && rate <= 105, `fill rate ${rate}`);
  });

  it("decreases once for a volley of throttles: those answer requests sent before the first", () => {
    const limiter = new AdaptiveRateLimiter();
    const end = sendSteadily(limiter, 0, 3, 100);
    limiter.record(end, true);
    const rate = limiter.state.fillRate;
    for (let i = 1; i <= 10; i++) limiter.record(end + i * 0.05, true);
    assert.equal(limiter.state.fillRate, rate);
  });

  it("estimates the rate from what was sent when throttled before the first half-second closed", () => {
    const limiter = new AdaptiveRateLimiter();
    for (let i = 0; i < 40; i++) limiter.record(0.1 + i * 0.005, false);
    limiter.record(0.3, true);
    assert.ok(limiter.state.fillRate > 50, `fill rate ${limiter.state.fillRate} collapsed`);
  });

  it("makes callers wait for tokens at the lowered rate", () => {
    const limiter = new AdaptiveRateLimiter();
    const end = sendSteadily(limiter, 0, 2, 20);
    limiter.record(end, true);
    const rate = limiter.state.fillRate;
    let granted = 0;
    while (limiter.tryAcquire(end) === 0) granted++;
    const wait = limiter.tryAcquire(end);
    assert.ok(granted <= Math.ceil(rate), `granted ${granted}`);
    assert.ok(wait > 0 && wait <= 1 / rate + 1e-9, `wait ${wait}`);
    assert.equal(limiter.tryAcquire(end + wait * 1.000001), 0, "a token is there once the wait has passed");
  });

  it("holds the new rate for the cubic time window, then probes upward ever faster", () => {
    const limiter = new AdaptiveRateLimiter();
    const end = sendSteadily(limiter, 0, 4, 100);
    limiter.record(end, true);
    const estimate = limiter.state.fillRate;
    const window = Math.cbrt((estimate * 0.3) / 0.1);
    const samples: number[] = [];
    const sampleAt = [0.5, window - 0.1, window + 1, window + 2, window + 3].map((t) => Math.round(t * 100));
    // A client that sends exactly as fast as the limiter lets it, in 10 ms ticks.
    for (let tick = 1; tick <= sampleAt.at(-1)!; tick++) {
      const t = end + tick / 100;
      while (limiter.tryAcquire(t) === 0) limiter.record(t, false);
      if (sampleAt.includes(tick)) samples.push(limiter.state.fillRate);
    }
    const [early, beforeWindowEnds, after1, after2, after3] = samples as [number, number, number, number, number];
    assert.ok(Math.abs(early - estimate) < 1e-9 && Math.abs(beforeWindowEnds - estimate) < 1e-9, `held at ${estimate}: ${samples.join(", ")}`);
    assert.ok(after1 > estimate && after2 > after1 && after3 > after2, `probes upward: ${samples.join(", ")}`);
    assert.ok(after3 - after2 > after2 - after1, `ever faster: ${samples.join(", ")}`);
  });
});
