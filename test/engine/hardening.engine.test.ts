/** Issue 11 through the engine model: what a hostile network or a careless program must never do to state. */
import { strict as assert } from "node:assert";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { startStack, type TestStack } from "./stack";

const [CONTOSO, FABRIKAM] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string];

describe("hardening through the engine model", function () {
  this.timeout(60_000);
  let stack: TestStack;
  beforeEach(async () => {
    stack = await startStack();
    stack.model.config["partnercenter:maxRetries"] = { value: "0" };
  });
  afterEach(() => stack.stop());

  it("a 404 that is not Partner Center's 'no such customer' (a gateway's HTML page) fails the refresh and the destroy; nothing leaves state", async () => {
    await stack.engine.arrange([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }), stack.budget("fabrikam", { customerId: FABRIKAM, amount: 500, onDelete: "clear" })]);
    stack.emulator.faults.configure({ gatewayNotFoundRate: 1 });
    const refresh = await stack.engine.refresh();
    assert.equal(refresh.result.exitCode, 255);
    assert.match(refresh.errors.join("\n"), /HTTP 404 .*not Partner Center's answer about a customer \(it has no code 60003\): check partnercenter:endpoint/);
    assert.equal(stack.engine.state.size, 2, "both budgets are still in state");
    const destroy = await stack.engine.destroy();
    assert.equal(destroy.result.exitCode, 255, "clearing fabrikam's budget was not confirmed: the destroy fails");
    assert.ok([...stack.engine.state.values()].some((resource) => resource.name === "fabrikam"));

    stack.emulator.faults.configure({});
    stack.emulator.removeCustomer(FABRIKAM);
    const gone = await stack.engine.refresh();
    assert.deepEqual(gone.steps.map((step) => `${step.name}:${step.op}`), ["fabrikam:gone"], "Partner Center's own 404/60003 still drops the customer");
  });
});
