/**
 * With `PULUMI_SKIP_CHECKPOINTS=true` the CLI writes state once, at the end
 * of a command. These tests SIGKILL it in the middle of `up`, `up --refresh`
 * and `destroy` (a budgets file under `onDelete: clear`), then run the same
 * command again, and check that Partner Center ends as declared, state holds
 * every budget once, and no request was sent that the declaration does not
 * ask for. Why the re-run converges: docs/scale.md.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCustomers, type CustomerRecord, type RecordedRequest } from "pulumi-partnercenter/emulator";
import { killCliDuring } from "./cliCrash";
import { packedProject, type PackedProject } from "./packedProject";
import { startStack, USAGE_BUDGET_TYPE, type DeclaredBudget, type DriverResult, type TestStack } from "./stack";

/** Budgets each test declares; a few more customers exist that no declaration names. */
const DECLARED = 20;
const UNDECLARED = 4;
/** Steps at once: small, so the kill lands with most of the work still to do. */
const PARALLEL = 4;
const BUDGET_PATH = /^\/v1\/customers\/([^/?]+)\/usagebudget$/;

/** The customer a budget request is about; undefined for other requests (the customer list, the activity log). */
function customerOf(request: RecordedRequest): string | undefined {
  return BUDGET_PATH.exec(request.path)?.[1]?.toLowerCase();
}

/** The amount a PATCH asked for (Partner Center's body: `{"Amount": …, "Attributes": …}`). */
function patchedAmount(request: RecordedRequest): unknown {
  const body = JSON.parse(request.body) as Record<string, unknown>;
  assert.ok("Amount" in body, `${request.path}: a PATCH names its amount`);
  return body.Amount;
}

const isPatch = (request: RecordedRequest): boolean => request.method === "PATCH" && customerOf(request) !== undefined;

describe("crash safety: the CLI SIGKILLed mid-command with PULUMI_SKIP_CHECKPOINTS=true, then run again", () => {
  let stack: TestStack;
  let customers: CustomerRecord[];
  let declared: CustomerRecord[];
  let dir: string;
  // The provider host runs this build, installed from its packed tarball as partners have it.
  let project: PackedProject;
  before(() => {
    project = packedProject();
  });
  after(() => project.remove());
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "pc-crash-"));
    stack = await startStack({
      emulator: { customers: generateCustomers(DECLARED + UNDECLARED) },
      projectDir: project.directory,
    });
    stack.engine.setEnv({ PULUMI_SKIP_CHECKPOINTS: "true" });
    customers = stack.emulator.customers();
    declared = customers.slice(0, DECLARED);
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  });

  const program = (amount: (index: number) => number): DeclaredBudget[] =>
    declared.map((customer, index) =>
      stack.budget(`budget-${index}`, { customerId: customer.id, amount: amount(index) }),
    );
  const first = (index: number): number => 1_000 + index;
  const second = (index: number): number => 2_000 + index;

  /** How many declared customers Partner Center holds at the amount `amount` gives them. */
  const atAmount = (amount: (index: number) => number | null): number =>
    declared.filter((customer, index) => stack.emulator.budgetOf(customer.id) === amount(index)).length;

  /** The re-run must first clear the dead CLI's lock (`pulumi cancel`), as the lock refusal says. */
  async function rerunAfterCancel(run: () => Promise<DriverResult>): Promise<DriverResult> {
    const refused = await run();
    assert.notEqual(refused.result.exitCode, 0, "a stack locked by a dead CLI is refused");
    assert.match(refused.result.output, /currently locked by 1 lock\(s\)/);
    await stack.engine.stack.cancel();
    const rerun = await run();
    assert.equal(rerun.result.exitCode, 0, rerun.result.output);
    assert.deepEqual(rerun.errors, []);
    return rerun;
  }

  /** State holds the declared budgets, each once, at the declared amount, and no pending operation. */
  async function assertStateHolds(amount: (index: number) => number): Promise<void> {
    const resources = await stack.engine.resources();
    const budgets = resources.filter((resource) => resource.type === USAGE_BUDGET_TYPE);
    assert.equal(new Set(budgets.map((budget) => budget.urn)).size, budgets.length, "no URN twice");
    assert.deepEqual(
      budgets.map((budget) => budget.id).sort(),
      declared.map((customer) => customer.id).sort(),
      "every declared budget once, by customer id",
    );
    for (const budget of budgets) {
      const index = declared.findIndex((customer) => customer.id === budget.id);
      assert.equal(budget.outputs?.amount, amount(index), `${budget.urn}: the amount in state`);
    }
    const exported = await stack.engine.stack.exportStack();
    assert.deepEqual((exported.deployment as { pending_operations?: unknown[] }).pending_operations ?? [], []);
  }

  /** The customers no declaration names were never asked about, and kept their budgets. */
  function assertUndeclaredUntouched(requests: readonly RecordedRequest[]): void {
    const undeclared = new Set(customers.slice(DECLARED).map((customer) => customer.id.toLowerCase()));
    assert.deepEqual(
      requests.filter((request) => undeclared.has(customerOf(request) ?? "")),
      [],
      "no request about an undeclared customer",
    );
    for (const customer of customers.slice(DECLARED))
      assert.equal(stack.emulator.budgetOf(customer.id), customer.amount);
  }

  it("up creating: the re-run adopts what the killed run wrote and writes the rest, each budget once", async () => {
    const crash = await killCliDuring(stack.emulator, "up", 10, () =>
      stack.engine.up(program(first), { parallel: PARALLEL }),
    );
    assert.notEqual(crash.result.result.exitCode, 0);
    const written = atAmount(first);
    assert.ok(written > 0 && written < DECLARED, `the kill lands mid-run (${written} of ${DECLARED} written)`);
    assert.equal((await stack.engine.state()).size, 0, "the killed run wrote no state: checkpoints were skipped");

    await rerunAfterCancel(() => stack.engine.up(program(first), { parallel: PARALLEL }));
    assert.equal(atAmount(first), DECLARED, "Partner Center holds every declared amount");
    await assertStateHolds(first);
    const requests = stack.emulator.requests;
    assertUndeclaredUntouched(requests);
    const patches = requests.filter(isPatch);
    for (const patch of patches) {
      const index = declared.findIndex((customer) => customer.id.toLowerCase() === customerOf(patch));
      assert.equal(patchedAmount(patch), first(index), `${patch.path}: only the declared amount is written`);
    }
    assert.equal(
      new Set(patches.map(customerOf)).size,
      patches.length,
      "no budget written twice: the re-run adopts what the killed run wrote",
    );
  });

  it("up --refresh: the re-run reads Partner Center again and writes only what still differs", async () => {
    const arranged = await stack.engine.up(program(first), { parallel: PARALLEL });
    assert.equal(arranged.result.exitCode, 0, arranged.result.output);
    // Someone changes three budgets in the portal: the refresh must see it and the update must still write the declared amount.
    for (const customer of declared.slice(0, 3)) stack.emulator.setBudget(customer.id, 5);
    const before = stack.emulator.requests.length;

    const crash = await killCliDuring(
      stack.emulator,
      "up",
      6,
      () => stack.engine.up(program(second), { parallel: PARALLEL, refresh: true }),
      isPatch,
    );
    assert.notEqual(crash.result.result.exitCode, 0);
    const written = atAmount(second);
    assert.ok(written > 0 && written < DECLARED, `the kill lands mid-run (${written} of ${DECLARED} written)`);
    assert.ok(
      [...(await stack.engine.state()).values()].every(
        (budget) => budget.outputs.amount === first(declared.findIndex((customer) => customer.id === budget.id)),
      ),
      "state is the arranged run's: the killed run wrote none",
    );

    await rerunAfterCancel(() => stack.engine.up(program(second), { parallel: PARALLEL, refresh: true }));
    assert.equal(atAmount(second), DECLARED);
    await assertStateHolds(second);
    const requests = stack.emulator.requests.slice(before);
    assertUndeclaredUntouched(requests);
    const patches = requests.filter(isPatch);
    for (const patch of patches) {
      const index = declared.findIndex((customer) => customer.id.toLowerCase() === customerOf(patch));
      assert.equal(
        patchedAmount(patch),
        second(index),
        `${patch.path}: only the declared amount is written, never the one in stale state`,
      );
    }
    assert.equal(
      new Set(patches.map(customerOf)).size,
      patches.length,
      "no budget written twice: the re-run's refresh sees what the killed run wrote",
    );
  });

  it("destroy of a budgets file under onDelete: clear: the re-run clears what is left, and only the file's customers", async () => {
    const file = join(dir, "budgets.yaml");
    writeFileSync(
      file,
      `budgets:\n${declared.map((customer, index) => `  - customerId: ${customer.id}\n    amount: ${first(index)}\n`).join("")}`,
    );
    const arranged = await stack.engine.up([], { parallel: PARALLEL }, [{ name: "budgets", file, onDelete: "clear" }]);
    assert.equal(arranged.result.exitCode, 0, arranged.result.output);
    const before = stack.emulator.requests.length;

    const crash = await killCliDuring(stack.emulator, "destroy", 6, () => stack.engine.destroy({ parallel: PARALLEL }));
    assert.notEqual(crash.result.result.exitCode, 0);
    const cleared = atAmount(() => null);
    assert.ok(cleared > 0 && cleared < DECLARED, `the kill lands mid-run (${cleared} of ${DECLARED} cleared)`);
    assert.equal(
      (await stack.engine.state()).size,
      DECLARED,
      "state still holds every budget: the killed run wrote none",
    );

    await rerunAfterCancel(() => stack.engine.destroy({ parallel: PARALLEL }));
    assert.equal(
      atAmount(() => null),
      DECLARED,
      "every budget of the file is cleared",
    );
    assert.equal((await stack.engine.state()).size, 0, "state holds no budget");
    const requests = stack.emulator.requests.slice(before);
    assertUndeclaredUntouched(requests);
    assert.ok(
      requests.every((request) => isPatch(request) && patchedAmount(request) === null),
      "a destroy under onDelete: clear only clears",
    );
    // A budget cleared by the killed run is cleared again: delete does not read first, and clearing twice is harmless.
    assert.ok(
      requests.length >= DECLARED && requests.length < 2 * DECLARED,
      `each budget cleared once, those the killed run cleared twice (${requests.length} requests)`,
    );
  });
});
