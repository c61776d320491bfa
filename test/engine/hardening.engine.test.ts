/** Issue 11 through the real Pulumi CLI: what a hostile network or a careless program must never do to state. */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { startStack, type TestStack } from "./stack";

const [CONTOSO, FABRIKAM] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string];

describe("hardening through the real Pulumi CLI", function () {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await startStack();
    await stack.engine.addConfig({ "partnercenter:maxRetries": { value: "0" } });
  });
  afterEach(() => stack.stop());

  it("a 404 that is not Partner Center's 'no such customer' (a gateway's HTML page) fails the refresh and the destroy; nothing leaves state", async () => {
    await stack.engine.arrange([
      stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }),
      stack.budget("fabrikam", { customerId: FABRIKAM, amount: 500, onDelete: "clear" }),
    ]);
    stack.emulator.faults.configure({ gatewayNotFoundRate: 1 });
    const refresh = await stack.engine.refresh();
    assert.equal(refresh.result.exitCode, 1);
    assert.match(
      refresh.errors.join("\n"),
      /HTTP 404 .*not Partner Center's answer about a customer \(it has no code 60003\): check partnercenter:endpoint/,
    );
    // One message per failure, as the resource's error: not again under the stack, with frames into compiled files.
    assert.doesNotMatch(refresh.result.output, /PartnerCenterStatusError|^\s+at /m, refresh.result.output);
    assert.deepEqual(refresh.stackErrors, ["update failed"]);
    assert.equal((await stack.engine.state()).size, 2, "both budgets are still in state");
    const destroy = await stack.engine.destroy();
    assert.equal(destroy.result.exitCode, 1, "clearing fabrikam's budget was not confirmed: the destroy fails");
    assert.ok([...(await stack.engine.state()).values()].some((resource) => resource.name === "fabrikam"));

    stack.emulator.faults.configure({});
    stack.emulator.removeCustomer(FABRIKAM);
    const gone = await stack.engine.refresh();
    assert.deepEqual(
      gone.steps.map((step) => `${step.name}:${step.op}`),
      ["fabrikam:gone"],
      "Partner Center's own 404/60003 still drops the customer",
    );
  });
});

describe("several resources on one customer", function () {
  it("a standalone budget and an uppercase copy, or a standalone budget and a UsageBudgetSet entry, on one customer fail the program before any request, naming the customer and the resources", async () => {
    const stack = await startStack();
    const dir = mkdtempSync(join(tmpdir(), "pc-dup-"));
    try {
      const file = join(dir, "budgets.yaml");
      writeFileSync(
        file,
        `budgets:\n  - customerId: ${CONTOSO}\n    amount: 700\n  - customerId: ${FABRIKAM}\n    amount: 5\n`,
      );
      const contoso = stack.budget("contoso", { customerId: CONTOSO, amount: 1200 });
      const runs = [
        {
          expected: `UsageBudget "contoso", UsageBudget "contoso-copy"`,
          run: () =>
            stack.engine.up([
              contoso,
              stack.budget("contoso-copy", { customerId: CONTOSO.toUpperCase(), amount: 900 }),
            ]),
        },
        {
          expected: `UsageBudget "contoso", UsageBudget "budgets-${CONTOSO}"`,
          run: () => stack.engine.up([contoso], {}, [{ name: "budgets", file }]),
        },
        {
          expected: `UsageBudget "contoso", UsageBudget "budgets-${CONTOSO}"`,
          run: () => stack.engine.preview([contoso], {}, [{ name: "budgets", file }]),
        },
      ];
      for (const { expected, run } of runs) {
        const result = await run();
        assert.equal(result.result.exitCode, 1);
        assert.match(
          result.result.output,
          new RegExp(
            `customer ${CONTOSO} is declared by 2 resources: ${expected}\\. Each customer's budget must be declared by one resource only`,
          ),
        );
        assert.equal(result.steps.length, 0, "no UsageBudget was registered");
        assert.doesNotMatch(result.result.output, /^\s+at /m, "the message alone, no stack trace");
      }
      assert.equal(stack.emulator.requests.length, 0);
      assert.equal((await stack.engine.state()).size, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await stack.stop();
    }
  });
});

describe("previousAmount when a create's answer is lost", function () {
  it("a PATCH applied but unanswered is settled by reading the budget back: previousAmount stays the customer's own earlier budget", async () => {
    const stack = await startStack();
    try {
      await stack.engine.addConfig({ "partnercenter:maxRetries": { value: "0" } });
      stack.emulator.faults.configure({ dropAnsweredWritesRate: 1 });
      const program = [stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })];
      await stack.engine.up(program);
      assert.equal(stack.emulator.budgetOf(CONTOSO), 1200, "the PATCH was applied");
      stack.emulator.faults.configure({});
      const again = await stack.engine.up(program);
      assert.equal(again.result.exitCode, 0, again.result.output);
      const [contoso] = [...(await stack.engine.state()).values()];
      assert.equal(
        contoso?.outputs.previousAmount,
        1000,
        "the customer's budget before this resource, not the provider's own 1200",
      );
    } finally {
      await stack.stop();
    }
  });
});
