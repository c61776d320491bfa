import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCustomers } from "pulumi-partnercenter/emulator";
import { shardOf } from "pulumi-partnercenter";
import { startStack, USAGE_BUDGET_TYPE, type TestStack } from "./stack";

const IDS = [
  "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10",
  "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f",
  "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
];

describe("UsageBudgetSet in a program run by the real Pulumi CLI", () => {
  let dir: string;
  let stack: TestStack;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "pc-set-"));
    stack = await startStack();
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  });

  function file(ids: string[]): string {
    const path = join(dir, `budgets-${ids.map((id) => id.slice(0, 4)).join("-")}.yaml`);
    writeFileSync(
      path,
      `budgets:\n${ids.map((id) => `  - customerId: ${id}\n    amount: ${100 + IDS.indexOf(id)}\n`).join("")}`,
    );
    return path;
  }

  it("names each child from its customer id, so reordering or inserting entries replaces nothing", async () => {
    const first = await stack.engine.up([], {}, [{ name: "budgets", file: file(IDS.slice(0, 2)) }]);
    assert.equal(first.result.exitCode, 0, first.result.output);
    assert.deepEqual(
      [...(await stack.engine.state()).values()].map((resource) => resource.name).sort(),
      IDS.slice(0, 2)
        .map((id) => `budgets-${id}`)
        .sort(),
    );
    const reordered = await stack.engine.up([], {}, [{ name: "budgets", file: file([IDS[2]!, IDS[1]!, IDS[0]!]) }]);
    assert.deepEqual(
      reordered.steps.map((step) => `${step.name}:${step.op}`).sort(),
      [`budgets-${IDS[0]}:same`, `budgets-${IDS[1]}:same`, `budgets-${IDS[2]}:create`].sort(),
    );
    const children = (await stack.engine.resources()).filter((resource) => resource.type === USAGE_BUDGET_TYPE);
    assert.ok(
      children.every((child) => child.parent?.endsWith("partnercenter:index:UsageBudgetSet::budgets")),
      "children are parented to the set",
    );
  });

  it("a program with a duplicate customer fails with the file, line and entry, before any request", async () => {
    const path = join(dir, "dup.yaml");
    writeFileSync(path, `- customerId: ${IDS[0]}\n  amount: 1\n- customerId: ${IDS[0]!.toUpperCase()}\n  amount: 2\n`);
    const preview = await stack.engine.preview([], {}, [{ name: "budgets", file: path }]);
    assert.equal(preview.result.exitCode, 1);
    assert.match(preview.result.output, /dup.yaml line 3, entry 2 .*is declared twice/);
    assert.equal(stack.emulator.requests.length, 0);
  });
});

describe("UsageBudgetSet shards: stacks of one project in one backend, each applying its slice of one budgets file", () => {
  const customers = generateCustomers(10);
  let first: TestStack;
  let second: TestStack;
  let path: string;
  beforeEach(async () => {
    first = await startStack({ emulator: { customers } });
    second = await startStack({ shareWith: first });
    path = join(first.directory, "budgets.yaml");
    writeFileSync(
      path,
      `budgets:\n${customers.map((customer, index) => `  - customerId: ${customer.id}\n    amount: ${2000 + index}\n`).join("")}`,
    );
  });
  afterEach(async () => {
    await second.stop();
    await first.stop();
  });

  for (const asOneResource of [false, true]) {
    it(`two shards${asOneResource ? " (asOneResource)" : ""}: each stack applies only its customers, and together they apply the whole file`, async () => {
      const written = new Map<string, number>();
      for (const [index, stack] of [first, second].entries()) {
        first.emulator.clearRequests();
        const result = await stack.engine.up([], {}, [
          { name: "budgets", file: path, shard: { index, count: 2 }, asOneResource },
        ]);
        assert.equal(result.result.exitCode, 0, result.result.output);
        const mine = customers.filter((customer) => shardOf(customer.id, 2) === index).map((customer) => customer.id);
        assert.ok(mine.length > 0 && mine.length < customers.length, "both shards hold customers");
        // The spend listing (one partner-wide read per provider process) names no customer.
        const touched = new Set(
          first.emulator.requests
            .filter(
              (request) =>
                request.path.includes("/customers/") && !request.path.startsWith("/v1/customers/usagerecords"),
            )
            .map((request) => request.path.split("/")[3]!),
        );
        assert.deepEqual([...touched].sort(), [...mine].sort(), `shard ${index} sends requests for its customers only`);
        for (const id of touched) written.set(id, index);
        const state = JSON.stringify(await stack.engine.resources());
        for (const customer of customers)
          assert.equal(
            state.includes(customer.id),
            mine.includes(customer.id),
            `shard ${index}'s state holds ${customer.id} only if it is its own`,
          );
      }
      assert.equal(written.size, customers.length, "every customer applied by one shard");
      customers.forEach((customer, index) => assert.equal(first.emulator.budgetOf(customer.id), 2000 + index));
      // The other stack's refresh neither sees nor drops what its neighbour applies.
      const refreshed = await first.engine.preview([], { refresh: true, expectNoChanges: true }, [
        { name: "budgets", file: path, shard: { index: 0, count: 2 }, asOneResource },
      ]);
      assert.equal(refreshed.result.exitCode, 0, refreshed.result.output);
    });
  }

  it("a shard index out of range fails the program, naming the property and the fix, before any request", async () => {
    const preview = await first.engine.preview([], {}, [
      { name: "budgets", file: path, shard: { index: 2, count: 2 } },
    ]);
    assert.equal(preview.result.exitCode, 1);
    assert.match(
      preview.result.output,
      /UsageBudgetSet "budgets": shard.index 2 is not a whole number from 0 to 1 \(shard.count is 2\): number the stacks 0 to 1/,
    );
    assert.equal(first.emulator.requests.length, 0);
  });
});
