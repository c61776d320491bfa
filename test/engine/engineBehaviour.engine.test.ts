/**
 * The engine behaviours the product relies on (test/engine/ENGINE.md), each
 * seen through the real Pulumi CLI: what a partner's `pulumi up`, `preview`,
 * `refresh` and `destroy` do with UsageBudgets.
 */
import { strict as assert } from "node:assert";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { startStack, type TestStack } from "./stack";

const [CONTOSO, FABRIKAM, NORTHWIND, TAILSPIN] = DEMO_CUSTOMERS.map((customer) => customer.id) as [
  string,
  string,
  string,
  string,
];

function patches(stack: TestStack): string[] {
  return stack.emulator.requests
    .filter((request) => request.method === "PATCH")
    .map((request) => `${request.path.split("/")[3]}=${JSON.parse(request.body).Amount}`);
}

describe("engine behaviours the product relies on, through the real Pulumi CLI", function () {
  this.timeout(120_000);
  let stack: TestStack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(() => stack.stop());

  it("Configure gets the whole stack config, and the default provider stores it with the secret encrypted", async () => {
    await stack.engine.addConfig({ "other-package:region": { value: "westeurope" } });
    const up = await stack.engine.up([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })]);
    assert.equal(up.result.exitCode, 0, up.result.output);
    const provider = (await stack.engine.resources()).find(
      (resource) => resource.type === "pulumi:providers:pulumi-nodejs",
    )!;
    assert.match(provider.urn, /::pulumi:providers:pulumi-nodejs::default$/);
    assert.deepEqual(Object.keys(provider.inputs ?? {}).sort(), [
      "other-package:region",
      "partnercenter:accessToken",
      "partnercenter:endpoint",
    ]);
    const checkpoint = stack.engine.checkpointText();
    assert.match(
      checkpoint,
      /"partnercenter:accessToken":\s*\{\s*"4dabf18193072939515e22adb298388d":\s*"1b47061264138c4ac30d75fd1eb44270",\s*"ciphertext"/,
    );
    assert.ok(!checkpoint.includes(stack.emulator.accessToken), "the secret is stored encrypted, not in plain text");
  });

  it("steps run on at most --parallel workers", async () => {
    stack.emulator.faults.configure({ latencyMs: 150 });
    const budgets = [CONTOSO, FABRIKAM, NORTHWIND].map((customerId, i) =>
      stack.budget(`b${i}`, { customerId, amount: 10 + i }),
    );
    await stack.engine.up(budgets, { parallel: 1 });
    assert.equal(stack.emulator.maxInFlight, 1, "one worker: one operation, so one request, at a time");
    stack.emulator.clearRequests();
    await stack.engine.up(
      budgets.map((budget, i) => ({ ...budget, amount: 20 + i })),
      { parallel: 3 },
    );
    assert.ok(
      stack.emulator.maxInFlight >= 2 && stack.emulator.maxInFlight <= 3,
      `three workers: updates at once, at most three (${stack.emulator.maxInFlight})`,
    );
  });

  it("the first failed step stops new work and fails the run (exit 1); --continue-on-error carries on and still exits 1", async () => {
    const budgets = [
      stack.budget("tailspin", { customerId: TAILSPIN, amount: 5 }),
      ...[CONTOSO, FABRIKAM, NORTHWIND].map((customerId, i) => stack.budget(`b${i}`, { customerId, amount: 70 + i })),
    ];
    const stopped = await stack.engine.up(budgets, { parallel: 1 });
    assert.equal(stopped.result.exitCode, 1);
    assert.equal(stopped.steps.filter((step) => step.op === "failed").length, 1);
    assert.ok((await stack.engine.state()).size < 3, "not every other budget was created after the 403");
    const carried = await stack.engine.up(budgets, { parallel: 1, continueOnError: true });
    assert.equal(carried.result.exitCode, 1, "the run still fails");
    assert.equal((await stack.engine.state()).size, 3);
    assert.deepEqual(
      carried.stackErrors,
      ["update failed"],
      "the program is not told of the failure as an unhandled error",
    );
  });

  it("refresh and destroy use the config stored at the last update; --run-program uses the program's current one", async () => {
    await stack.engine.arrange([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })]);
    await stack.engine.addConfig({
      "partnercenter:endpoint": { value: "http://127.0.0.1:9" },
      "partnercenter:maxRetries": { value: "0" },
    });
    const refresh = await stack.engine.refresh();
    assert.equal(refresh.result.exitCode, 0, `refresh reads with the stored endpoint: ${refresh.result.output}`);
    const rerun = await stack.engine.refresh({ runProgram: true });
    assert.equal(rerun.result.exitCode, 1, "with --run-program the refresh uses the endpoint now in config");
    assert.match(rerun.errors.join("\n"), /127\.0\.0\.1:9/);
  });

  it("a replacement creates the new resource first and deletes the old one last; deleteBeforeReplace reverses that", async () => {
    await stack.engine.arrange([stack.budget("budget", { customerId: CONTOSO, amount: 1200, onDelete: "clear" })]);
    stack.emulator.clearRequests();
    await stack.engine.up([stack.budget("budget", { customerId: FABRIKAM, amount: 600, onDelete: "clear" })]);
    assert.deepEqual(patches(stack), [`${FABRIKAM}=600`, `${CONTOSO}=null`], "create, then delete the replaced");
    stack.emulator.clearRequests();
    await stack.engine.up([
      stack.budget("budget", {
        customerId: NORTHWIND,
        amount: 300,
        onDelete: "clear",
        options: { deleteBeforeReplace: true },
      }),
    ]);
    assert.deepEqual(patches(stack), [`${FABRIKAM}=null`, `${NORTHWIND}=300`], "delete before replace");
  });

  it("ignoreChanges keeps the old value; protect refuses a delete; retainOnDelete drops from state without calling the provider", async () => {
    await stack.engine.arrange([
      stack.budget("ignored", { customerId: CONTOSO, amount: 1200, options: { ignoreChanges: ["amount"] } }),
      stack.budget("kept", { customerId: FABRIKAM, amount: 600, onDelete: "clear", options: { protect: true } }),
      stack.budget("retained", {
        customerId: NORTHWIND,
        amount: 300,
        onDelete: "clear",
        options: { retainOnDelete: true },
      }),
    ]);
    stack.emulator.clearRequests();
    const ignored = await stack.engine.up([
      stack.budget("ignored", { customerId: CONTOSO, amount: 999, options: { ignoreChanges: ["amount"] } }),
      stack.budget("kept", { customerId: FABRIKAM, amount: 600, onDelete: "clear", options: { protect: true } }),
    ]);
    assert.equal(ignored.steps.find((step) => step.name === "ignored")?.op, "same");
    assert.equal(stack.emulator.budgetOf(CONTOSO), 1200);
    assert.equal(stack.emulator.budgetOf(NORTHWIND), 300, "retainOnDelete: onDelete clear was never called");
    assert.ok(![...(await stack.engine.state()).values()].some((resource) => resource.name === "retained"));
    const destroy = await stack.engine.destroy();
    assert.equal(destroy.result.exitCode, 1);
    assert.match(destroy.result.output, /UsageBudget::kept" cannot be deleted\s+because it is protected/);
    assert.equal(stack.emulator.budgetOf(FABRIKAM), 600);
  });

  it("--expect-no-changes: preview --refresh exits 7 on drift the program would correct and 0 when the program matches; refresh counts its own changes", async () => {
    await stack.engine.arrange([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })]);
    stack.emulator.setBudget(CONTOSO, 1500);
    const drifted = await stack.engine.preview([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })], {
      refresh: true,
      expectNoChanges: true,
    });
    assert.equal(drifted.result.exitCode, 7, drifted.result.output);
    const matching = await stack.engine.preview([stack.budget("contoso", { customerId: CONTOSO, amount: 1500 })], {
      refresh: true,
      expectNoChanges: true,
    });
    assert.equal(matching.result.exitCode, 0, "the drift matches the program now: nothing to update");
    const refresh = await stack.engine.refresh({ expectNoChanges: true });
    assert.equal(refresh.result.exitCode, 7, "the refresh itself changed state");
    assert.match(refresh.result.output, /no changes were expected for refresh but changes were proposed/);
  });

  it("one operation after another in the same process: each program run has its own customer claims", async () => {
    const program = [stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })];
    for (const run of [
      () => stack.engine.up(program),
      () => stack.engine.preview(program),
      () => stack.engine.preview(program, { refresh: true }),
      () => stack.engine.up(program),
    ]) {
      const result = await run();
      assert.equal(result.result.exitCode, 0, result.result.output);
    }
    const twice = await stack.engine.preview([...program, stack.budget("copy", { customerId: CONTOSO, amount: 1 })]);
    assert.equal(twice.result.exitCode, 1, "a customer declared twice within one run is still refused");
    assert.match(twice.result.output, /is declared by 2 resources: UsageBudget "contoso", UsageBudget "copy"/);
  });

  it("a customer Partner Center refuses on read (403, code 20002) keeps its state, records why, and shows it as an update; the drift of every other customer is still reported and applied", async () => {
    const program = [
      stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }),
      stack.budget("fabrikam", { customerId: FABRIKAM, amount: 600 }),
    ];
    await stack.engine.arrange(program);
    stack.emulator.setBudget(CONTOSO, 4000);
    stack.emulator.setRelationship(FABRIKAM, false);

    const preview = await stack.engine.preview(program, { refresh: true, expectNoChanges: true });
    assert.equal(preview.result.exitCode, 7, `the refresh succeeds and the drift gate fails: ${preview.result.output}`);
    assert.deepEqual(preview.steps.map((step) => `${step.name}:${step.op}`).sort(), [
      "contoso:refresh",
      "contoso:update",
      "fabrikam:refresh",
      "fabrikam:update",
    ]);

    const up = await stack.engine.up(program, { refresh: true, continueOnError: true });
    assert.equal(up.result.exitCode, 1, "fabrikam's update still fails: the work is not done");
    assert.equal(stack.emulator.budgetOf(CONTOSO), 1200, "contoso's drift was corrected");
    assert.equal(up.errors.length, 1);
    assert.match(up.errors[0]!, new RegExp(`HTTP 403, code 20002 to GET usage budget of customer ${FABRIKAM}`));
    const fabrikam = (await stack.engine.byName()).get("fabrikam")!;
    assert.equal(fabrikam.outputs.amount, 600, "nothing dropped or overwritten on a guess");
    assert.match(String(fabrikam.outputs.readError), /HTTP 403, code 20002/);

    // The relationship is back, and someone set 900 in the portal meanwhile. An up without --refresh reads the budget
    // (the refusal left its state unknown): the program did not change the amount, so nothing is written and the
    // portal's 900 is recorded, to show as drift; the next up sets the program's 600 back.
    stack.emulator.setRelationship(FABRIKAM, true);
    stack.emulator.setBudget(FABRIKAM, 900);
    stack.emulator.clearRequests();
    const reread = await stack.engine.up(program);
    assert.equal(reread.result.exitCode, 0, reread.result.output);
    assert.deepEqual(patches(stack), [], "nothing written on the strength of state the refusal left stale");
    const after = (await stack.engine.byName()).get("fabrikam")!;
    assert.equal(after.outputs.readError, undefined, "read again: the refusal is gone from state");
    assert.equal(after.outputs.amount, 900);
    await stack.engine.up(program);
    assert.equal(stack.emulator.budgetOf(FABRIKAM), 600);
  });
});
