/** Who changed a drifted budget, visible where a Pulumi user looks: `pulumi preview --refresh --diff`. */
import { strict as assert } from "node:assert";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { startStack, type TestStack } from "./stack";

const [CONTOSO, FABRIKAM] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string];

describe("drift attribution through the engine model", function () {
  this.timeout(60_000);
  let stack: TestStack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(() => stack.stop());

  it("preview --refresh --diff shows who changed the budget in the portal, when and from what, as the lastChange output", async () => {
    const program = [stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })];
    await stack.engine.arrange(program);
    stack.emulator.setBudget(CONTOSO, 4000, "jane.doe@partner.onmicrosoft.com");
    const preview = await stack.engine.preview(program, { refresh: true, diff: true });
    assert.equal(preview.result.exitCode, 0);
    assert.match(preview.result.output, /UsageBudget contoso refresh \(changed\)\n\s+amount: 1200 => 4000, lastChange: undefined => "changed by jane\.doe@partner\.onmicrosoft\.com on \S+, from 1200 to 4000"/);
  });

  it("a refresh where nothing drifted changes nothing in state, and reads no activity log", async () => {
    await stack.engine.arrange([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }), stack.budget("fabrikam", { customerId: FABRIKAM, amount: 500 })]);
    stack.emulator.setBudget(CONTOSO, 4000, "jane.doe@partner.onmicrosoft.com");
    await stack.engine.refresh({ skipPreview: true });
    const after = JSON.stringify(stack.model.checkpoint);
    assert.match(after, /changed by jane\.doe/);
    stack.emulator.clearRequests();
    const again = await stack.engine.refresh({ skipPreview: true, expectNoChanges: true });
    assert.equal(again.result.exitCode, 0, "nothing drifted since: no change");
    assert.equal(JSON.stringify(stack.model.checkpoint), after, "state is byte for byte the same");
    assert.equal(stack.emulator.requests.filter((request) => request.path.startsWith("/v1/auditrecords")).length, 0);
  });
});
