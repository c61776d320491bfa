import { strict as assert } from "node:assert";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { LEGACY_PROVIDER } from "./fixtures/legacyProvider";
import { startStack, type TestStack } from "./stack";

const [CONTOSO, FABRIKAM] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string];
const TOKEN_CANARY = "canary-token-7f3a9c1e5b2d4f60";
const ENV_TOKEN_CANARY = "canary-env-token-0d8e6b4a2c9f1735";

describe("what UsageBudget stores in state", function () {
  it("__provider is at most 2 KB and holds no token given through config or environment", async () => {
    const stack = await startStack({
      emulator: { accessToken: TOKEN_CANARY },
      config: (emulator) => ({
        "partnercenter:accessToken": { value: TOKEN_CANARY },
        "partnercenter:endpoint": { value: emulator.endpoint },
      }),
      env: () => ({ PARTNERCENTER_ACCESS_TOKEN: ENV_TOKEN_CANARY }),
    });
    try {
      await stack.engine.arrange([
        stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }),
        stack.budget("fabrikam", { customerId: FABRIKAM, amount: 10 }),
      ]);
      const budgets = [...(await stack.engine.state()).values()];
      assert.equal(budgets.length, 2);
      for (const resource of budgets) {
        const provider = String(resource.inputs.__provider);
        assert.ok(Buffer.byteLength(provider) <= 2048, `__provider is ${Buffer.byteLength(provider)} bytes`);
        const everything = JSON.stringify(resource);
        assert.ok(!everything.includes(TOKEN_CANARY), "config token leaked into the resource's state");
        assert.ok(!everything.includes(ENV_TOKEN_CANARY), "environment token leaked into the resource's state");
      }
    } finally {
      await stack.stop();
    }
  });

  describe("with credentials from the environment only", () => {
    let stack: TestStack;
    beforeEach(async () => {
      stack = await startStack({
        emulator: { accessToken: ENV_TOKEN_CANARY },
        config: (emulator) => ({ "partnercenter:endpoint": { value: emulator.endpoint } }),
        env: () => ({ PARTNERCENTER_ACCESS_TOKEN: ENV_TOKEN_CANARY }),
      });
    });
    afterEach(() => stack.stop());

    it("works, and the token appears in no state, output or error", async () => {
      const up = await stack.engine.up([
        stack.budget("contoso", { customerId: CONTOSO, amount: 1200 }),
        stack.budget("tailspin", { customerId: DEMO_CUSTOMERS[3]!.id, amount: 10 }),
      ]);
      assert.equal(stack.emulator.budgetOf(CONTOSO), 1200);
      assert.equal(up.errors.length, 1, "the customer without relationship fails");
      await stack.engine.refresh();
      const seen = JSON.stringify({
        state: [...(await stack.engine.state()).values()],
        errors: up.errors,
        output: stack.engine.allOutput,
      });
      assert.ok(!seen.includes(ENV_TOKEN_CANARY));
    });
  });

  it("stack config wins over the environment", async () => {
    const stack = await startStack({
      env: () => ({ PARTNERCENTER_ACCESS_TOKEN: "a-stale-token", PARTNERCENTER_ENDPOINT: "http://127.0.0.1:1" }),
    });
    try {
      const up = await stack.engine.up([stack.budget("contoso", { customerId: CONTOSO, amount: 1300 })]);
      assert.deepEqual(up.errors, []);
      assert.equal(stack.emulator.budgetOf(CONTOSO), 1300);
    } finally {
      await stack.stop();
    }
  });

  it("without credentials a preview still works and an update says what to set", async () => {
    const stack = await startStack({
      config: (emulator) => ({ "partnercenter:endpoint": { value: emulator.endpoint } }),
    });
    try {
      const preview = await stack.engine.preview([stack.budget("contoso", { customerId: CONTOSO, amount: 1300 })]);
      assert.deepEqual(preview.errors, []);
      // The preview pass has just been shown to work: the update pass alone.
      const up = await stack.engine.up([stack.budget("contoso", { customerId: CONTOSO, amount: 1300 })]);
      assert.match(
        up.errors[0] ?? "",
        /No Partner Center credentials are configured: set stack config partnercenter:accessToken .* PARTNERCENTER_ACCESS_TOKEN/,
      );
      assert.equal(stack.emulator.requests.length, 0);
    } finally {
      await stack.stop();
    }
  });

  it("an endpoint over plain http to a remote host is refused in every hook before any request, naming the setting", async () => {
    const stack = await startStack({
      config: (emulator) => ({
        "partnercenter:endpoint": { value: "http://partner.example.com" },
        "partnercenter:accessToken": { value: emulator.accessToken, secret: true },
      }),
    });
    try {
      const preview = await stack.engine.preview([
        stack.budget("contoso", { customerId: CONTOSO, amount: 1300 }),
        stack.budget("fabrikam", { customerId: FABRIKAM, amount: 10 }),
      ]);
      assert.equal(preview.errors.length, 1, "the first Check failure aborts the run (ENGINE.md)");
      for (const error of preview.errors) {
        assert.match(
          error,
          /stack config partnercenter:endpoint: "http:\/\/partner.example.com" uses plain http to a host that is not loopback; use https/,
        );
      }
      assert.equal(stack.emulator.requests.length, 0);
    } finally {
      await stack.stop();
    }
  });

  describe("state written by an earlier build of the package", () => {
    let stack: TestStack;
    beforeEach(async () => {
      // Settings from the environment: the seeded default provider stores no config, and a refresh configures from it.
      stack = await startStack({
        config: () => ({}),
        env: (emulator) => ({
          PARTNERCENTER_ENDPOINT: emulator.endpoint,
          PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken,
        }),
      });
      // An earlier build: a different __provider text, outputs without onDelete or previousAmount.
      for (const [name, customerId, amount] of [
        ["contoso", CONTOSO, 1000],
        ["fabrikam", FABRIKAM, null],
      ] as const) {
        await stack.engine.seed(
          name,
          customerId,
          { customerId, amount, __provider: LEGACY_PROVIDER },
          { customerId, amount, __provider: LEGACY_PROVIDER },
        );
      }
    });
    afterEach(() => stack.stop());

    it("is read, diffed, updated and deleted by the installed package", async () => {
      const refresh = await stack.engine.refresh();
      assert.deepEqual(refresh.errors, []);
      const preview = await stack.engine.preview([
        stack.budget("contoso", { customerId: CONTOSO, amount: 1000 }),
        stack.budget("fabrikam", { customerId: FABRIKAM, amount: 50 }),
      ]);
      // The engine runs steps in parallel: their order is not the program's.
      assert.deepEqual(preview.steps.map((step) => `${step.name}:${step.op}`).sort(), [
        "contoso:same",
        "fabrikam:update",
      ]);
      const up = await stack.engine.up([stack.budget("fabrikam", { customerId: FABRIKAM, amount: 50 })]);
      assert.deepEqual(up.errors, []);
      assert.equal(stack.emulator.budgetOf(FABRIKAM), 50);
      assert.equal(stack.emulator.budgetOf(CONTOSO), 1000, "the removed resource had no onDelete: retained");
    });
  });
});
