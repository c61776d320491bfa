import { strict as assert } from "node:assert";
import { LEARNER_CASES, learnerTable, measureLearner } from "../../bench/learner";

// What the benchmark reports about the limit learner; the figures themselves are the benchmark's to judge.
describe("the benchmark's limit-learner report (bench/learner.ts)", () => {
  it("measures each case against the bound, and marks one below a target", () => {
    const [first] = LEARNER_CASES;
    const met = measureLearner({ ...first!, targetRatio: 0, targetShare: 1 });
    assert.ok(met.boundMs > 0 && met.finishMs >= met.boundMs, `bound ${met.boundMs} ms, finish ${met.finishMs} ms`);
    assert.equal(met.ratio, met.boundMs / met.finishMs);
    assert.equal(met.meetsTargets, true);
    const missedRatio = measureLearner({ ...first!, targetRatio: 1.01 });
    const missedShare = measureLearner({ ...first!, targetRatio: 0, targetShare: -1 });
    assert.deepEqual([missedRatio.meetsTargets, missedShare.meetsTargets], [false, false]);
    const rows = learnerTable([met, missedRatio]).split("\n");
    assert.equal(rows.length, 4, "a header, a rule and one row per case");
    assert.match(rows[2]!, /^\| bucket:100, --parallel 16, 40 ms \| .* \| yes \|$/);
    assert.match(rows[3]!, /\| \*\*no\*\* \|$/);
  });

  it("a window met part-way through starts from another process's requests: its bound is later than a fresh window's", () => {
    const partial = LEARNER_CASES.find((learnerCase) => learnerCase.usedBefore !== undefined)!;
    assert.ok(measureLearner(partial).boundMs > measureLearner({ ...partial, usedBefore: 0 }).boundMs);
  });
});
