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

  it("drops to 70 % of the measured rate on a throttle", () => {
    const limiter = new AdaptiveRateLimiter();
    const end = sendSteadily(limiter, 0, 3, 100);
    const measured = limiter.state.measuredRate;
    assert.ok(measured > 90 && measured < 110, `measured ${measured}`);
    limiter.record(end, true);
    assert.equal(limiter.state.enabled, true);
    assert.ok(Math.abs(limiter.state.fillRate - limiter.state.measuredRate * 0.7) < 1e-9, `fill rate ${limiter.state.fillRate}`);
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

  it("regrows along a cubic curve: below the old rate at first, back to it after the time window, beyond it later", () => {
    const limiter = new AdaptiveRateLimiter();
    const end = sendSteadily(limiter, 0, 4, 100);
    limiter.record(end, true);
    const before = limiter.state.fillRate / 0.7;
    const window = Math.cbrt((before * 0.3) / 0.4);
    const samples = new Map<number, number>();
    const sampleAt = [0.5, 1, 2, Math.round(window * 100) / 100, Math.round((window + 2) * 100) / 100];
    // A client that sends exactly as fast as the limiter lets it, in 10 ms ticks.
    for (let tick = 1; tick <= Math.ceil((window + 2) * 100); tick++) {
      const t = end + tick / 100;
      while (limiter.tryAcquire(t) === 0) limiter.record(t, false);
      const elapsed = tick / 100;
      if (sampleAt.includes(elapsed)) samples.set(elapsed, limiter.state.fillRate);
    }
    const rates = sampleAt.map((at) => samples.get(at)!);
    for (let i = 1; i < rates.length; i++) assert.ok(rates[i]! >= rates[i - 1]! - 1e-6, `rates fall: ${rates.join(", ")}`);
    assert.ok(rates[0]! < before, `right after the throttle the rate is below the old ${before}: ${rates[0]}`);
    assert.ok(Math.abs(rates[3]! - before) / before < 0.2, `after the window the rate is back near ${before}: ${rates[3]}`);
    assert.ok(rates[4]! > before, `later it grows beyond ${before}: ${rates[4]}`);
  });
});
