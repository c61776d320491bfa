import { strict as assert } from "node:assert";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { startStack, USAGE_BUDGET_TYPE, type TestStack } from "./stack";

const [CONTOSO, FABRIKAM, NORTHWIND, TAILSPIN] = DEMO_CUSTOMERS.map((customer) => customer.id) as [
  string,
  string,
  string,
  string,
];

/** The spend listing every create or refresh process sends once (test/engine/spend.engine.test.ts). */
const USAGE_RECORDS = "/v1/customers/usagerecords";

function budgetRequests(stack: TestStack): string[] {
  return stack.emulator.requests
    .filter((request) => request.path !== USAGE_RECORDS)
    .map((request) => `${request.method} ${request.path.split("/")[3]}`);
}

describe("UsageBudget through the real Pulumi CLI", function () {
  let stack: TestStack;

  beforeEach(async () => {
    stack = await startStack();
  });

  afterEach(async () => {
    await stack.stop();
  });

  it("previews a new budget whose amount is not known yet (another new budget's output) without sending a request", async () => {
    const preview = await stack.engine.preview([
      stack.budget("northwind", { customerId: NORTHWIND, amount: 300 }),
      stack.budget("contoso", { customerId: CONTOSO, amountFrom: { budget: "northwind", output: "previousAmount" } }),
    ]);
    assert.deepEqual(preview.errors, []);
    assert.deepEqual(preview.steps, [
      { name: "northwind", op: "create" },
      { name: "contoso", op: "create" },
    ]);
    assert.equal(stack.emulator.requests.length, 0);
    assert.equal((await stack.engine.state()).size, 0);
  });

  it("creates a budget (reads the previous amount, sets the new one, records lowercase ids) and adopts one that already has the declared amount without writing it; each registered with the type token under the default provider, with a __provider that loads the installed package", async () => {
    const up = await stack.engine.up([
      stack.budget("contoso", { customerId: CONTOSO.toUpperCase(), amount: 1500.25 }),
      stack.budget("northwind", { customerId: NORTHWIND, amount: 250.5 }),
    ]);
    assert.deepEqual(up.errors, []);
    const contoso = [...(await stack.engine.state()).values()].find((resource) => resource.name === "contoso")!;
    assert.equal(contoso.id, CONTOSO);
    const { __provider, ...outputs } = contoso.outputs;
    assert.equal(__provider, contoso.inputs.__provider, "the serialized provider as the program registered it");
    assert.deepEqual(outputs, { customerId: CONTOSO, amount: 1500.25, previousAmount: 1000, onDelete: "retain" });
    assert.equal(stack.emulator.budgetOf(CONTOSO), 1500.25);
    const requestsFor = (customer: string) =>
      stack.emulator.requests.filter((request) => request.path.split("/")[3] === customer);
    assert.deepEqual(
      requestsFor(CONTOSO).map((request) => request.method),
      ["GET", "PATCH"],
    );
    const [get, patch] = requestsFor(CONTOSO);
    assert.equal(
      get!.headers["ms-correlationid"],
      patch!.headers["ms-correlationid"],
      "one correlation id per resource operation",
    );
    assert.notEqual(get!.headers["ms-requestid"], patch!.headers["ms-requestid"], "one request id per request");
    assert.deepEqual(
      requestsFor(NORTHWIND).map((request) => request.method),
      ["GET"],
      "adopted without a write",
    );
    assert.equal(
      [...(await stack.engine.state()).values()].find((resource) => resource.name === "northwind")!.outputs
        .previousAmount,
      250.5,
    );

    const resources = await stack.engine.resources();
    const provider = resources.find((resource) => resource.type === "pulumi:providers:pulumi-nodejs")!;
    const stackUrn = resources.find((resource) => resource.type === "pulumi:pulumi:Stack")!.urn;
    for (const budget of resources.filter((resource) => resource.type === USAGE_BUDGET_TYPE)) {
      assert.equal(budget.provider, `${provider.urn}::${provider.id}`);
      assert.match(String(budget.inputs!.__provider), /require\("pulumi-partnercenter\/host"\)/);
      assert.equal(budget.parent, stackUrn);
    }
  });

  it("a preview with nothing changed sends no request to Partner Center", async () => {
    await stack.engine.arrange([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })]);
    stack.emulator.clearRequests();
    const preview = await stack.engine.preview([
      stack.budget("contoso", { customerId: CONTOSO.toUpperCase(), amount: 1200.0 }),
    ]);
    assert.deepEqual(preview.steps, [{ name: "contoso", op: "same" }]);
    assert.equal(stack.emulator.requests.length, 0);
  });

  it("an amount change is one PATCH that keeps previousAmount; an onDelete change alone is an update that sends no request", async () => {
    await stack.engine.arrange([
      stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }),
      stack.budget("fabrikam", { customerId: FABRIKAM, amount: 500 }),
    ]);
    stack.emulator.clearRequests();
    const up = await stack.engine.up([
      stack.budget("contoso", { customerId: CONTOSO, amount: 900 }),
      stack.budget("fabrikam", { customerId: FABRIKAM, amount: 500, onDelete: "clear" }),
    ]);
    assert.deepEqual(up.steps.map((step) => `${step.name}:${step.op}`).sort(), ["contoso:update", "fabrikam:update"]);
    assert.deepEqual(budgetRequests(stack), [`PATCH ${CONTOSO}`]);
    assert.equal(stack.emulator.budgetOf(CONTOSO), 900);
    const state = new Map(
      [...(await stack.engine.state()).values()].map((resource) => [resource.name, resource.outputs]),
    );
    assert.equal(state.get("contoso")!.amount, 900);
    assert.equal(state.get("contoso")!.previousAmount, 1000);
    assert.equal(state.get("fabrikam")!.onDelete, "clear");
  });

  it("shows a change made in the portal as drift after refresh, and the next update corrects it", async () => {
    const program = [stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })];
    await stack.engine.arrange(program);
    stack.emulator.setBudget(CONTOSO, 4000);
    stack.emulator.clearRequests();

    const withoutRefresh = await stack.engine.preview(program);
    assert.deepEqual(withoutRefresh.steps, [{ name: "contoso", op: "same" }], "without refresh the drift is invisible");

    const preview = await stack.engine.preview(program, { refresh: true });
    assert.deepEqual(preview.steps, [
      { name: "contoso", op: "refresh" },
      { name: "contoso", op: "update" },
    ]);
    assert.deepEqual(
      stack.emulator.requests.map((request) => `${request.method} ${request.path.split("?")[0]}`).sort(),
      [`GET /v1/auditrecords`, `GET /v1/customers/${CONTOSO}/usagebudget`, `GET ${USAGE_RECORDS}`],
      "a refreshing preview only reads: the budget, the spend listing (once per process), and (it drifted) the activity log for who changed it",
    );
    assert.equal(stack.emulator.budgetOf(CONTOSO), 4000);

    await stack.engine.refresh();
    const refreshed = [...(await stack.engine.state()).values()][0]!;
    assert.equal(refreshed.outputs.amount, 4000);
    assert.equal(
      refreshed.inputs.amount,
      4000,
      "read returns inputs so later diffs compare the program with what was read",
    );

    const up = await stack.engine.up(program);
    assert.deepEqual(up.steps, [{ name: "contoso", op: "update" }]);
    assert.equal(stack.emulator.budgetOf(CONTOSO), 1200);
    const after = await stack.engine.preview(program, { refresh: true });
    assert.deepEqual(
      after.steps.map((step) => step.op),
      ["refresh", "same"],
    );
  });

  it("a customerId change replaces the resource: the new customer is set, the old one retained", async () => {
    await stack.engine.arrange([stack.budget("budget", { customerId: CONTOSO, amount: 1200 })]);
    stack.emulator.clearRequests();
    const preview = await stack.engine.preview([stack.budget("budget", { customerId: FABRIKAM, amount: 1200 })]);
    assert.deepEqual(preview.steps, [{ name: "budget", op: "replace" }]);
    assert.equal(stack.emulator.requests.length, 0);

    // The preview was just shown: the update pass alone.
    const up = await stack.engine.up([stack.budget("budget", { customerId: FABRIKAM, amount: 1200 })]);
    assert.deepEqual(up.steps, [{ name: "budget", op: "replace" }]);
    assert.deepEqual(budgetRequests(stack), [`GET ${FABRIKAM}`, `PATCH ${FABRIKAM}`]);
    assert.equal(stack.emulator.budgetOf(FABRIKAM), 1200);
    assert.equal(stack.emulator.budgetOf(CONTOSO), 1200, "onDelete retain leaves the old customer's budget");
    assert.equal([...(await stack.engine.state()).values()][0]!.id, FABRIKAM);
  });

  it("destroy retains a budget by default and sends nothing for it; with onDelete clear it PATCHes the amount to null, and treats a customer that is gone as already deleted", async () => {
    await stack.engine.arrange([
      stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }),
      stack.budget("fabrikam", { customerId: FABRIKAM, amount: 500, onDelete: "clear" }),
      stack.budget("northwind", { customerId: NORTHWIND, amount: 300, onDelete: "clear" }),
    ]);
    stack.emulator.removeCustomer(NORTHWIND);
    stack.emulator.clearRequests();
    const destroy = await stack.engine.destroy();
    assert.deepEqual(destroy.errors, []);
    assert.equal((await stack.engine.state()).size, 0);
    assert.equal(stack.emulator.budgetOf(CONTOSO), 1200);
    assert.deepEqual(
      budgetRequests(stack).filter((request) => !request.endsWith(NORTHWIND)),
      [`PATCH ${FABRIKAM}`],
      "nothing for the retained budget",
    );
    const fabrikam = stack.emulator.requests.find((request) => request.path.includes(FABRIKAM))!;
    assert.deepEqual(JSON.parse(fabrikam.body), { Amount: null, Attributes: { ObjectType: "SpendingBudget" } });
    assert.equal(stack.emulator.budgetOf(FABRIKAM), null);
  });

  it("bad inputs fail in check, one failure per property; the first Check failure aborts the run, and nothing is sent", async () => {
    const up = await stack.engine.up([
      stack.budget("bad", { customerId: "not-a-guid", amount: -5, onDelete: "forget" }),
      stack.budget("cents", { customerId: CONTOSO, amount: 10.001 }),
    ]);
    assert.equal(up.result.exitCode, 1);
    const failed = up.steps.filter((step) => step.op === "failed");
    assert.equal(
      failed.length,
      1,
      `the engine stops at the first Check failure (whichever registered first): ${JSON.stringify(up.steps)}`,
    );
    const first = await stack.engine.up([
      stack.budget("bad", { customerId: "not-a-guid", amount: -5, onDelete: "forget" }),
    ]);
    const bad = first.steps[0]!.error!;
    // The engine names each failed property: "property <name> value {<value>} has a problem: <reason>".
    assert.match(bad, /property customerId value \{not-a-guid\} has a problem: customerId "not-a-guid" is not a GUID/);
    assert.match(bad, /property amount value \{-5\} has a problem: amount -5 is negative/);
    assert.match(bad, /property onDelete value \{forget\} has a problem: onDelete must be "retain"/);
    assert.equal(stack.emulator.requests.length, 0);
    assert.equal((await stack.engine.state()).size, 0);
  });

  it("a 403 surfaces as a readable error naming the customer, the code and the request ids", async () => {
    const up = await stack.engine.up([stack.budget("tailspin", { customerId: TAILSPIN, amount: 100 })]);
    assert.equal(up.errors.length, 1, "one message for the failure");
    assert.deepEqual(up.stackErrors, ["update failed"], "the stack says only that the update failed");
    const message = up.errors[0]!;
    const request = stack.emulator.requests.find((candidate) => candidate.path.endsWith("/usagebudget"))!;
    assert.match(message, new RegExp(`HTTP 403, code 20002 to GET usage budget of customer ${TAILSPIN}`));
    assert.match(message, /no commerce relationship/);
    assert.ok(message.includes(`MS-RequestId ${request.headers["ms-requestid"]}`), message);
    assert.ok(message.includes(`MS-CorrelationId ${request.headers["ms-correlationid"]}`), message);
    assert.equal((await stack.engine.state()).size, 0);
  });

  it("a customer deleted in Partner Center disappears from the stack on refresh", async () => {
    await stack.engine.arrange([
      stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }),
      stack.budget("northwind", { customerId: NORTHWIND, amount: 300 }),
    ]);
    stack.emulator.removeCustomer(NORTHWIND);
    const refresh = await stack.engine.refresh();
    assert.deepEqual(refresh.steps.map((step) => `${step.name}:${step.op}`).sort(), [
      "contoso:refresh",
      "northwind:gone",
    ]);
    assert.deepEqual(
      [...(await stack.engine.state()).values()].map((resource) => resource.name),
      ["contoso"],
    );
  });
});
