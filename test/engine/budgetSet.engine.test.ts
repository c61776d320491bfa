import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { captureProgram } from "./program";
import { cleanEnv } from "./stack";

const SET_PROGRAM = resolve(__dirname, "fixtures/budgetSetProgram.js");
const IDS = ["0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10", "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f", "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d"];

describe("UsageBudgetSet in a program", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "pc-set-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function namesFor(ids: string[]): Promise<Map<string, unknown>> {
    const file = join(dir, `b-${ids.join("").length}-${Math.random()}.yaml`);
    writeFileSync(file, `budgets:\n${ids.map((id, i) => `  - customerId: ${id}\n    amount: ${100 + i}\n`).join("")}`);
    const registered = await captureProgram({ program: SET_PROGRAM, env: cleanEnv({ BUDGETS_FILE: file }) });
    return new Map(registered.filter((r) => r.type !== "partnercenter:index:UsageBudgetSet").map((r) => [r.name, r.inputs.customerId]));
  }

  it("names each child from its customer id, so reordering or inserting entries renames nothing", async () => {
    const original = await namesFor(IDS.slice(0, 2));
    const reordered = await namesFor([IDS[2]!, IDS[1]!, IDS[0]!]);
    assert.deepEqual([...original.keys()].sort(), IDS.slice(0, 2).map((id) => `budgets-${id}`).sort());
    for (const [name, customerId] of original) assert.equal(reordered.get(name), customerId, `${name} kept its name`);
  });

  it("a program with a duplicate customer fails with the file, line and entry", async () => {
    const file = join(dir, "dup.yaml");
    writeFileSync(file, `- customerId: ${IDS[0]}\n  amount: 1\n- customerId: ${IDS[0]!.toUpperCase()}\n  amount: 2\n`);
    await assert.rejects(captureProgram({ program: SET_PROGRAM, env: cleanEnv({ BUDGETS_FILE: file }) }), new RegExp(`dup.yaml line 3, entry 2 .*is declared twice`));
  });
});
