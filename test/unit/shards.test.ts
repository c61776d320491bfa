import { strict as assert } from "node:assert";
import { generatedCustomerId } from "pulumi-partnercenter/emulator";
import type { BudgetEntry } from "../../provider/gitops/budgetsFile";
import {
  checkBudgetsSlice,
  inSlice,
  parseCustomerIdRangeOption,
  parseShardOption,
  shardOf,
  sliceEntries,
} from "../../provider/gitops/shards";

const IDS = Array.from({ length: 2000 }, (_, index) => generatedCustomerId(index));
const entries = (ids: readonly string[]): BudgetEntry[] => ids.map((customerId) => ({ customerId, amount: 100 }));

describe("shards of a budgets file", () => {
  it("puts every customer in exactly one of n shards, for several n", () => {
    const ids = IDS.slice(0, 600);
    for (const count of [1, 2, 3, 7, 16]) {
      const seen = new Map<string, number>();
      for (let index = 0; index < count; index += 1) {
        for (const entry of sliceEntries(entries(ids), checkBudgetsSlice({ shard: { index, count } }, "test"))) {
          assert.equal(
            seen.get(entry.customerId),
            undefined,
            `${entry.customerId} is in shards ${seen.get(entry.customerId)} and ${index} of ${count}`,
          );
          seen.set(entry.customerId, index);
        }
      }
      assert.equal(seen.size, ids.length, `every customer is in one of ${count} shards`);
      // Spread, not all in one: each shard holds at least half its fair share.
      const sizes = Array.from(
        { length: count },
        (_, index) => [...seen.values()].filter((shard) => shard === index).length,
      );
      assert.ok(Math.min(...sizes) >= ids.length / count / 2, `shards of ${count} are balanced: ${sizes.join(", ")}`);
    }
  });

  it("a customer's shard depends on its id and the count only: adding or removing customers moves no other", () => {
    const count = 8;
    const before = new Map(IDS.slice(0, 1000).map((id) => [id, shardOf(id, count)]));
    // Another file: half the customers removed, a thousand added, the rest reordered.
    const changed = [...IDS.slice(1000), ...IDS.slice(0, 1000).filter((_, index) => index % 2 === 0)].reverse();
    for (let index = 0; index < count; index += 1) {
      for (const entry of sliceEntries(entries(changed), checkBudgetsSlice({ shard: { index, count } }, "test"))) {
        if (before.has(entry.customerId))
          assert.equal(before.get(entry.customerId), index, `${entry.customerId} stayed in its shard`);
      }
    }
  });

  it("any case of an id lands in the same shard", () => {
    for (const id of IDS.slice(0, 50)) assert.equal(shardOf(id.toUpperCase(), 5), shardOf(id, 5));
  });

  it("going from n to n + 1 shards moves customers only into the new shard", () => {
    for (const count of [2, 5, 9]) {
      let moved = 0;
      for (const id of IDS) {
        const from = shardOf(id, count);
        const to = shardOf(id, count + 1);
        if (from !== to) {
          moved += 1;
          assert.equal(to, count, `${id} moved from ${from} to ${to}, not to the new shard ${count}`);
        }
      }
      assert.ok(moved > 0 && moved < (IDS.length / (count + 1)) * 1.5, `about 1 in ${count + 1} moved: ${moved}`);
    }
  });

  it("a customer-id range keeps ids from `from` up to, not including, `to`; ranges that meet split without overlap", () => {
    const low = checkBudgetsSlice({ customerIds: { to: "8" } }, "test");
    const high = checkBudgetsSlice({ customerIds: { from: "8" } }, "test");
    for (const id of IDS)
      assert.equal(Number(inSlice(id, low)) + Number(inSlice(id, high)), 1, `${id} is in exactly one half`);
    assert.ok(inSlice("7fffffff-0000-4000-8000-000000000000", low));
    assert.ok(!inSlice("80000000-0000-4000-8000-000000000000", low));
    assert.ok(inSlice("80000000-0000-4000-8000-000000000000", high));
    // Ends in any case.
    assert.ok(
      inSlice(
        "ab000000-0000-4000-8000-000000000000",
        checkBudgetsSlice({ customerIds: { from: "AB", to: "AC" } }, "test"),
      ),
    );
  });

  it("a shard and a range together keep the customers in both", () => {
    const slice = checkBudgetsSlice({ shard: { index: 1, count: 3 }, customerIds: { from: "4", to: "c" } }, "test");
    const kept = sliceEntries(entries(IDS), slice).map((entry) => entry.customerId);
    assert.ok(kept.length > 0);
    assert.deepEqual(
      kept,
      IDS.filter((id) => shardOf(id, 3) === 1 && id >= "4" && id < "c"),
    );
  });

  for (const [slice, message] of [
    [
      { shard: { index: 3, count: 3 } },
      /Set "b": shard.index 3 is not a whole number from 0 to 2 \(shard.count is 3\): number the stacks 0 to 2/,
    ],
    [{ shard: { index: -1, count: 3 } }, /shard.index -1 is not a whole number from 0 to 2/],
    [{ shard: { index: 0.5, count: 3 } }, /shard.index 0.5 is not/],
    [
      { shard: { index: 0, count: 0 } },
      /shard.count 0 is not a whole number from 1 to 1024: set it to how many stacks share the file, the same in every one of them/,
    ],
    [{ shard: { index: 0, count: 2000 } }, /shard.count 2000 is not a whole number from 1 to 1024/],
    [{ shard: { index: "1", count: 3 } }, /shard.index "1" is not a whole number/],
    [{ shard: { index: 0 } }, /shard.count undefined is not a whole number/],
    [{ shard: 2 }, /shard must be \{ index, count \}/],
    [
      { customerIds: { from: "9", to: "1" } },
      /customerIds.from "9" is not before customerIds.to "1", so the range is empty: swap them/,
    ],
    [
      { customerIds: { from: "xyz" } },
      /customerIds.from "xyz" is not a customer id or the start of one: use hex digits and hyphens/,
    ],
    [{ customerIds: { to: 8 } }, /customerIds.to 8 is not a customer id/],
    [{ customerIds: "0..8" }, /customerIds must be \{ from, to \}/],
  ] as const) {
    it(`refuses ${JSON.stringify(slice)}, naming the property and the fix`, () => {
      assert.throws(
        () => checkBudgetsSlice(slice as never, 'UsageBudgetSet "b"'),
        (error: Error & { code?: string }) => {
          assert.match(error.message, message);
          assert.equal(error.code, "PC_ERR_BUDGETS_SLICE");
          return true;
        },
      );
    });
  }

  it("reads the CLI's --shard i/n and --customer-ids from..to, and refuses what they are not", () => {
    assert.deepEqual(parseShardOption("2/8"), { index: 2, count: 8 });
    assert.deepEqual(parseCustomerIdRangeOption("0..8"), { from: "0", to: "8" });
    assert.deepEqual(parseCustomerIdRangeOption("8A.."), { from: "8a" });
    assert.deepEqual(parseCustomerIdRangeOption("..8"), { to: "8" });
    assert.throws(
      () => parseShardOption("2 of 8"),
      /--shard "2 of 8" is not <index>\/<count>: write e.g. --shard 0\/4/,
    );
    assert.throws(() => parseShardOption("8/8"), /--shard: shard.index 8 is not a whole number from 0 to 7/);
    assert.throws(() => parseCustomerIdRangeOption(".."), /--customer-ids ".." is not <from>..<to>/);
    assert.throws(() => parseCustomerIdRangeOption("8..0"), /customerIds.from "8" is not before customerIds.to "0"/);
  });
});
