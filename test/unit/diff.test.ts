import { strict as assert } from "node:assert";
import { diffUsageBudget } from "../../provider/resource/diff";
import { UNKNOWN_VALUE } from "../../provider/budget/inputs";

const A = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";
const B = "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f";
const olds = { customerId: A, amount: 100, previousAmount: 50, onDelete: "retain", __provider: "old provider" };

describe("UsageBudget diff", () => {
  it("sees no change when only __provider differs, and 100 equals 100.00", () => {
    assert.deepEqual(
      diffUsageBudget(olds, { customerId: A, amount: 100.0, onDelete: "retain", __provider: "new provider" }),
      { changes: false, replaces: [] },
    );
  });

  it("replaces on a customerId change", () => {
    assert.deepEqual(diffUsageBudget(olds, { customerId: B, amount: 100, onDelete: "retain" }), {
      changes: true,
      replaces: ["customerId"],
    });
  });

  it("does not replace when state holds the same id in another case", () => {
    assert.deepEqual(
      diffUsageBudget({ ...olds, customerId: A.toUpperCase() }, { customerId: A, amount: 100, onDelete: "retain" })
        .replaces,
      [],
    );
  });

  it("updates on an amount change, including to and from no budget", () => {
    assert.deepEqual(diffUsageBudget(olds, { customerId: A, amount: 100.01, onDelete: "retain" }), {
      changes: true,
      replaces: [],
    });
    assert.equal(diffUsageBudget(olds, { customerId: A, amount: null, onDelete: "retain" }).changes, true);
    assert.equal(
      diffUsageBudget({ ...olds, amount: null }, { customerId: A, amount: 0, onDelete: "retain" }).changes,
      true,
    );
  });

  it("updates on an onDelete change, treating a missing onDelete in old state as retain", () => {
    assert.deepEqual(diffUsageBudget(olds, { customerId: A, amount: 100, onDelete: "clear" }), {
      changes: true,
      replaces: [],
    });
    const { onDelete: _ignored, ...legacy } = olds;
    assert.equal(diffUsageBudget(legacy, { customerId: A, amount: 100, onDelete: "retain" }).changes, false);
  });

  it("counts values not known yet as changes (and an unknown customerId as a replacement)", () => {
    assert.deepEqual(diffUsageBudget(olds, { customerId: A, amount: UNKNOWN_VALUE, onDelete: "retain" }), {
      changes: true,
      replaces: [],
    });
    assert.deepEqual(diffUsageBudget(olds, { customerId: UNKNOWN_VALUE, amount: 100, onDelete: "retain" }).replaces, [
      "customerId",
    ]);
  });
});
