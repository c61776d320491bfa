/** UsageBudgetSet with `asOneResource`: every budget in one UsageBudgetMap resource, through the real Pulumi CLI. */
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateCustomers, type CustomerRecord } from "pulumi-partnercenter/emulator";
import {
  startStack,
  USAGE_BUDGET_TYPE,
  type DeclaredSet,
  type Props,
  type StateResource,
  type TestStack,
} from "./stack";

const MAP_TYPE = "pulumi-nodejs:dynamic/partnercenter:UsageBudgetMap";
const CUSTOMERS: CustomerRecord[] = generateCustomers(12);
const IDS = CUSTOMERS.map((customer) => customer.id);

/** A budgets file: each customer's amount, and optionally its onDelete. */
function writeBudgets(
  path: string,
  amounts: ReadonlyMap<string, number | null>,
  onDelete: ReadonlyMap<string, string> = new Map(),
): string {
  const lines = [...amounts].map(
    ([id, amount]) =>
      `  - customerId: ${id}\n    amount: ${amount === null ? "null" : amount}\n${onDelete.has(id) ? `    onDelete: ${onDelete.get(id)}\n` : ""}`,
  );
  writeFileSync(path, `budgets:\n${lines.join("")}`);
  return path;
}

/** 1000 + 10 × position for every customer: none equal to the emulator's seeded budgets. */
function declared(ids: readonly string[] = IDS): Map<string, number | null> {
  return new Map(ids.map((id, index) => [id, 1000 + 10 * index]));
}

function budgetWrites(stack: TestStack): string[] {
  return stack.emulator.requests
    .filter((request) => request.method === "PATCH")
    .map((request) => request.path.split("/")[3]!)
    .sort();
}

describe("UsageBudgetSet asOneResource through the real Pulumi CLI", function () {
  let stack: TestStack;
  let file: string;
  let set: DeclaredSet;

  beforeEach(async () => {
    stack = await startStack({
      emulator: { customers: CUSTOMERS },
      config: (emulator) => ({
        "partnercenter:endpoint": { value: emulator.endpoint },
        "partnercenter:accessToken": { value: emulator.accessToken, secret: true },
        "partnercenter:maxRetries": { value: "0" },
      }),
    });
    file = join(stack.directory, "budgets.yaml");
    set = { name: "budgets", file, asOneResource: true };
  });
  afterEach(() => stack.stop());

  async function mapState(): Promise<StateResource & { outputs: { budgets: Record<string, Props> } }> {
    const resources = await stack.engine.resources();
    assert.equal(
      resources.filter((resource) => resource.type === USAGE_BUDGET_TYPE).length,
      0,
      "no per-customer resources",
    );
    const maps = resources.filter((resource) => resource.type === MAP_TYPE);
    assert.equal(maps.length, 1, "one UsageBudgetMap");
    return maps[0] as never;
  }

  it("creates every budget in one step, then an update of three customers is one step that PATCHes those three, named by preview --diff", async () => {
    const amounts = declared();
    writeBudgets(file, amounts);
    const created = await stack.engine.up([], {}, [set]);
    assert.equal(created.result.exitCode, 0, created.result.output);
    const creates = created.result.events.filter((event) => event.resourcePreEvent?.metadata.type === MAP_TYPE);
    assert.deepEqual(
      creates.map((event) => event.resourcePreEvent!.metadata.op),
      ["create"],
      "one engine step",
    );
    for (const customer of CUSTOMERS) assert.equal(stack.emulator.budgetOf(customer.id), amounts.get(customer.id));
    const state = await mapState();
    assert.deepEqual(Object.keys(state.outputs.budgets), [...IDS].sort());
    for (const customer of CUSTOMERS) {
      assert.deepEqual(
        state.outputs.budgets[customer.id],
        { amount: amounts.get(customer.id), previousAmount: customer.amount, onDelete: "retain" },
        "the budget found before is kept as previousAmount",
      );
    }

    const changed = [IDS[1]!, IDS[4]!, IDS[9]!];
    for (const id of changed) amounts.set(id, 7777);
    writeBudgets(file, amounts);
    const preview = await stack.engine.preview([], { diff: true }, [set]);
    assert.equal(preview.result.exitCode, 0, preview.result.output);
    for (const id of IDS) {
      if (changed.includes(id))
        assert.match(
          preview.result.output,
          new RegExp(`~ "?${id}"?: \\{\\n\\s+~ amount\\s*: \\d+ => 7777`),
          `the diff names ${id}`,
        );
      else
        assert.doesNotMatch(
          preview.result.output,
          new RegExp(id),
          `the diff does not name ${id}, which does not change`,
        );
    }
    stack.emulator.clearRequests();
    const updated = await stack.engine.up([], {}, [set]);
    assert.equal(updated.result.exitCode, 0, updated.result.output);
    assert.deepEqual(budgetWrites(stack), [...changed].sort(), "only the changed customers are written");
    assert.equal(
      stack.emulator.requests.filter((request) => request.method === "GET").length,
      0,
      "nothing is read to update a known budget",
    );
    for (const id of changed) assert.equal(stack.emulator.budgetOf(id), 7777);
    assert.equal(
      (await mapState()).outputs.budgets[IDS[4]!]!.previousAmount,
      CUSTOMERS[4]!.amount,
      "previousAmount survives the update",
    );

    const again = await stack.engine.preview([], { expectNoChanges: true }, [set]);
    assert.equal(again.result.exitCode, 0, "nothing left to change");
  });

  it("preview --refresh --diff names the customers changed in the portal, and who changed them; up puts them back", async () => {
    const amounts = declared();
    writeBudgets(file, amounts);
    await stack.engine.arrange([], [set]);
    stack.emulator.setBudget(IDS[2]!, 5, "jane.doe@partner.onmicrosoft.com");
    stack.emulator.setBudget(IDS[7]!, null, "jane.doe@partner.onmicrosoft.com");
    const preview = await stack.engine.preview([], { refresh: true, diff: true, expectNoChanges: true }, [set]);
    assert.equal(preview.result.exitCode, 7, "drift is a change the program would undo");
    const drifted = [IDS[2]!, IDS[7]!];
    // The refresh lists every customer and marks the drifted ones; the update that follows names only those.
    const [refresh, update] = preview.result.output.split("UsageBudgetMap: (update)") as [string, string];
    assert.ok(update, preview.result.output);
    for (const id of IDS) {
      if (drifted.includes(id)) {
        assert.match(refresh, new RegExp(`~ ${id}: \\{`), `the refresh marks ${id}`);
        assert.match(update, new RegExp(`~ ${id}: \\{`), `the update names ${id}`);
      } else {
        assert.match(refresh, new RegExp(`\\n {10,}${id}: \\{`), `the refresh lists ${id} unmarked`);
        assert.doesNotMatch(update, new RegExp(id), `the update does not name ${id}`);
      }
    }
    assert.match(
      preview.result.output,
      /\+ lastChange\s*: "changed by jane\.doe@partner\.onmicrosoft\.com on \S+, from 1020 to 5"/,
    );

    stack.emulator.clearRequests();
    const up = await stack.engine.up([], { refresh: true }, [set]);
    assert.equal(up.result.exitCode, 0, up.result.output);
    assert.deepEqual(budgetWrites(stack), [...drifted].sort());
    assert.equal(stack.emulator.budgetOf(IDS[2]!), amounts.get(IDS[2]!));
    assert.equal(stack.emulator.budgetOf(IDS[7]!), amounts.get(IDS[7]!));
  });

  it("when some PATCHes fail, state records what was written and what was not (nothing dropped), the run fails naming them, and the next run retries only those", async () => {
    const amounts = declared();
    writeBudgets(file, amounts);
    await stack.engine.arrange([], [set]);
    const before = (await mapState()).outputs.budgets;
    const changed = [IDS[0]!, IDS[3]!, IDS[5]!, IDS[8]!, IDS[11]!];
    const refused = [IDS[3]!, IDS[8]!];
    for (const id of changed) amounts.set(id, 4321);
    writeBudgets(file, amounts);
    for (const id of refused) stack.emulator.setRelationship(id, false);

    const failed = await stack.engine.up([], {}, [set]);
    assert.equal(failed.result.exitCode, 1, "a run that did not finish its work fails");
    assert.match(
      failed.result.output,
      /could not set the budgets of 2 of 12 customers; the others are done and recorded, and the next run retries these/,
    );
    for (const id of refused) assert.match(failed.result.output, new RegExp(`customer ${id}: .*HTTP 403`));
    const after = await mapState();
    assert.deepEqual(Object.keys(after.outputs.budgets), [...IDS].sort(), "every customer is still in state");
    for (const id of IDS) {
      const record = after.outputs.budgets[id]!;
      if (refused.includes(id)) {
        assert.equal(record.amount, before[id]!.amount, `${id}: the last known amount, not the one that failed`);
        assert.match(String(record.writeError), /HTTP 403/);
      } else {
        assert.equal(record.amount, amounts.get(id), `${id} is recorded as written`);
        assert.equal(record.writeError, undefined);
      }
      assert.equal(stack.emulator.budgetOf(id), refused.includes(id) ? before[id]!.amount : amounts.get(id));
    }
    assert.ok(
      String(after.outputs.__provider ?? "").length > 0,
      "the serialized provider is kept, so refresh and destroy still work",
    );

    for (const id of refused) stack.emulator.setRelationship(id, true);
    stack.emulator.clearRequests();
    const retried = await stack.engine.up([], {}, [set]);
    assert.equal(retried.result.exitCode, 0, retried.result.output);
    assert.deepEqual(
      stack.emulator.requests.map((request) => `${request.method} ${request.path.split("/")[3]}`).sort(),
      refused.flatMap((id) => [`GET ${id}`, `PATCH ${id}`]).sort(),
      "read, then written: only the two that failed",
    );
    for (const id of IDS) assert.equal(stack.emulator.budgetOf(id), amounts.get(id));
    const settled = await mapState();
    for (const id of refused) assert.equal(settled.outputs.budgets[id]!.writeError, undefined);
    assert.equal((await stack.engine.preview([], { expectNoChanges: true }, [set])).result.exitCode, 0, "converged");
  });

  it("when every answer to a write is lost (fault injection), nothing is recorded as written, and the next run reads and settles each", async () => {
    const amounts = declared();
    writeBudgets(file, amounts);
    await stack.engine.arrange([], [set]);
    const changed = [IDS[1]!, IDS[6]!];
    for (const id of changed) amounts.set(id, 2500);
    writeBudgets(file, amounts);
    // Every request's connection dropped: whether a PATCH took effect cannot be known.
    stack.emulator.faults.configure({ dropRate: 1, seed: 7 });
    const failed = await stack.engine.up([], {}, [set]);
    assert.equal(failed.result.exitCode, 1);
    const after = (await mapState()).outputs.budgets;
    for (const id of changed) {
      assert.equal(after[id]!.amount, 1000 + 10 * IDS.indexOf(id), `${id}: the last known amount, not a guess`);
      assert.ok(after[id]!.writeError, `${id} is marked unsettled`);
    }
    stack.emulator.faults.configure({});
    stack.emulator.clearRequests();
    const retried = await stack.engine.up([], {}, [set]);
    assert.equal(retried.result.exitCode, 0, retried.result.output);
    assert.deepEqual(
      stack.emulator.requests
        .filter((request) => request.method === "GET")
        .map((request) => request.path.split("/")[3])
        .sort(),
      [...changed].sort(),
      "each unsettled customer is read before it is written",
    );
    for (const id of changed) assert.equal(stack.emulator.budgetOf(id), 2500);
  });

  it("removing a customer from the file clears it under onDelete clear; destroy clears the clear ones and retains the others", async () => {
    const amounts = declared(IDS.slice(0, 6));
    const onDelete = new Map([IDS[0]!, IDS[1]!, IDS[2]!].map((id) => [id, "clear"]));
    writeBudgets(file, amounts, onDelete);
    await stack.engine.arrange([], [set]);
    amounts.delete(IDS[0]!);
    amounts.delete(IDS[3]!);
    writeBudgets(file, amounts, onDelete);
    stack.emulator.clearRequests();
    const removed = await stack.engine.up([], {}, [set]);
    assert.equal(removed.result.exitCode, 0, removed.result.output);
    assert.deepEqual(budgetWrites(stack), [IDS[0]!], "only the removed customer under clear is written");
    assert.equal(stack.emulator.budgetOf(IDS[0]!), null);
    assert.equal(stack.emulator.budgetOf(IDS[3]!), 1030, "retained");
    assert.deepEqual(Object.keys((await mapState()).outputs.budgets), [IDS[1]!, IDS[2]!, IDS[4]!, IDS[5]!].sort());

    stack.emulator.clearRequests();
    const destroyed = await stack.engine.destroy();
    assert.equal(destroyed.result.exitCode, 0, destroyed.result.output);
    assert.deepEqual(budgetWrites(stack), [IDS[1]!, IDS[2]!].sort());
    assert.equal(stack.emulator.budgetOf(IDS[1]!), null);
    assert.equal(stack.emulator.budgetOf(IDS[2]!), null);
    assert.equal(stack.emulator.budgetOf(IDS[4]!), 1040, "retained");
    assert.equal((await stack.engine.resources()).filter((resource) => resource.type === MAP_TYPE).length, 0);
  });
});
