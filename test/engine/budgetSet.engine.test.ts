import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, USAGE_BUDGET_TYPE, type TestStack } from "./stack";

const IDS = ["0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10", "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f", "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d"];

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
    writeFileSync(path, `budgets:\n${ids.map((id) => `  - customerId: ${id}\n    amount: ${100 + IDS.indexOf(id)}\n`).join("")}`);
    return path;
  }

  it("names each child from its customer id, so reordering or inserting entries replaces nothing", async () => {
    const first = await stack.engine.up([], {}, [{ name: "budgets", file: file(IDS.slice(0, 2)) }]);
    assert.equal(first.result.exitCode, 0, first.result.output);
    assert.deepEqual([...(await stack.engine.state()).values()].map((resource) => resource.name).sort(), IDS.slice(0, 2).map((id) => `budgets-${id}`).sort());
    const reordered = await stack.engine.up([], {}, [{ name: "budgets", file: file([IDS[2]!, IDS[1]!, IDS[0]!]) }]);
    assert.deepEqual(reordered.steps.map((step) => `${step.name}:${step.op}`).sort(), [`budgets-${IDS[0]}:same`, `budgets-${IDS[1]}:same`, `budgets-${IDS[2]}:create`].sort());
    const children = (await stack.engine.resources()).filter((resource) => resource.type === USAGE_BUDGET_TYPE);
    assert.ok(children.every((child) => child.parent?.endsWith("partnercenter:index:UsageBudgetSet::budgets")), "children are parented to the set");
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
