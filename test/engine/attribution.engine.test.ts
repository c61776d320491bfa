/** Who changed a drifted budget, visible where a Pulumi user looks: `pulumi preview --refresh --diff`. */
import { strict as assert } from "node:assert";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { startStack, type TestStack } from "./stack";

const [CONTOSO, FABRIKAM] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string];

describe("drift attribution through the real Pulumi CLI", function () {
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
    // The CLI's diff of the refresh step: the outputs that changed, lastChange among them.
    assert.match(
      preview.result.output,
      /UsageBudget: \(refresh\)\n(.*\n)*?\s+\[urn=\S+::contoso\]\n\s+--outputs:--\n\s+~ amount\s+: 1200 => 4000\n\s+\+ lastChange\s+: "changed by jane\.doe@partner\.onmicrosoft\.com on \S+, from 1200 to 4000"/,
    );
  });

  it("a refresh where nothing drifted changes nothing in state, and reads no activity log", async () => {
    await stack.engine.arrange([
      stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }),
      stack.budget("fabrikam", { customerId: FABRIKAM, amount: 500 }),
    ]);
    stack.emulator.setBudget(CONTOSO, 4000, "jane.doe@partner.onmicrosoft.com");
    await stack.engine.refresh();
    const after = JSON.stringify(await stack.engine.resources());
    assert.match(after, /changed by jane\.doe/);
    stack.emulator.clearRequests();
    const again = await stack.engine.refresh({ expectNoChanges: true });
    assert.equal(again.result.exitCode, 0, "nothing drifted since: no change");
    assert.equal(JSON.stringify(await stack.engine.resources()), after, "state is byte for byte the same");
    assert.equal(stack.emulator.requests.filter((request) => request.path.startsWith("/v1/auditrecords")).length, 0);
  });
});

describe("lastChange through the real Pulumi CLI, whatever the activity log answers (issue 22)", function () {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await startStack({
      emulator: { faults: { echoRequestsInErrors: true } },
      config: (emulator) => ({
        "partnercenter:endpoint": { value: emulator.endpoint },
        "partnercenter:accessToken": { value: emulator.accessToken, secret: true },
        "partnercenter:maxRetries": { value: "0" },
      }),
    });
  });
  afterEach(() => stack.stop());

  it("an activity log that echoes the request (bearer token included) in its error puts no token into state", async () => {
    await stack.engine.arrange([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })]);
    stack.emulator.setBudget(CONTOSO, 4000, "jane.doe@partner.onmicrosoft.com");
    stack.emulator.audit.failWith = 500;
    const refresh = await stack.engine.refresh();
    assert.equal(refresh.result.exitCode, 0, refresh.result.output);
    const lastChange = String((await stack.engine.byName()).get("contoso")?.outputs.lastChange);
    assert.match(lastChange, /^unknown: the activity log could not be read: Partner Center answered HTTP 500/);
    assert.ok(
      stack.emulator.requests.some((request) => request.path.startsWith("/v1/auditrecords")),
      "the log was asked",
    );
    assert.ok(
      !(await stack.engine.checkpointText()).includes(stack.emulator.accessToken),
      "the token is nowhere in the checkpoint",
    );
    assert.ok(!refresh.result.output.includes(stack.emulator.accessToken));
  });

  it("a megabyte user name full of terminal escapes gives a bounded lastChange without a control character", async () => {
    await stack.engine.arrange([stack.budget("fabrikam", { customerId: FABRIKAM, amount: 500 })]);
    stack.emulator.setBudget(FABRIKAM, 999, `\u001b]8;;https://evil.example\u0007x\u001b[2J${"a".repeat(1_000_000)}`);
    const refresh = await stack.engine.refresh();
    assert.equal(refresh.result.exitCode, 0, refresh.result.output.slice(0, 2000));
    const lastChange = String((await stack.engine.byName()).get("fabrikam")?.outputs.lastChange);
    assert.match(lastChange, /^changed by \uFFFD\]8;;https:\/\/evil\.example\uFFFDx\uFFFD\[2Jaaaa/);
    assert.ok(lastChange.length <= 600, `${lastChange.length} characters`);
    assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(lastChange));
  });
});
