import { strict as assert } from "node:assert";
import { THROTTLE_CASES, throttleTable, measureThrottle } from "../../bench/throttleSimulation";

// What the benchmark reports about the throttle on simulated time; the figures themselves are the benchmark's to judge.
describe("the benchmark's simulated-throttle report (bench/throttleSimulation.ts)", () => {
  it("measures each case against the bound, and marks one below a target", () => {
    const [first] = THROTTLE_CASES;
    const met = measureThrottle({ ...first!, targetRatio: 0, targetShare: 1 });
    assert.ok(met.boundMs > 0 && met.finishMs >= met.boundMs, `bound ${met.boundMs} ms, finish ${met.finishMs} ms`);
    assert.equal(met.ratio, met.boundMs / met.finishMs);
    assert.equal(met.meetsTargets, true);
    const missedRatio = measureThrottle({ ...first!, targetRatio: 1.01 });
    const missedShare = measureThrottle({ ...first!, targetRatio: 0, targetShare: -1 });
    assert.deepEqual([missedRatio.meetsTargets, missedShare.meetsTargets], [false, false]);
    const rows = throttleTable([met, missedRatio]).split("\n");
    assert.equal(rows.length, 4, "a header, a rule and one row per case");
    assert.match(rows[2]!, /^\| bucket:100, --parallel 16, 40 ms \| .* \| yes \|$/);
    assert.match(rows[3]!, /\| \*\*no\*\* \|$/);
  });

  it("a window met part-way through starts from another process's requests: its bound is later than a fresh window's", () => {
    const partial = THROTTLE_CASES.find((throttleCase) => throttleCase.usedBefore !== undefined)!;
    assert.ok(measureThrottle(partial).boundMs > measureThrottle({ ...partial, usedBefore: 0 }).boundMs);
  });
});
