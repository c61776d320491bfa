/**
 * Month-to-date spend beside each UsageBudget, through the real CLI: the
 * outputs `spend`, `currency` and `percentUsed` filled by create and refresh
 * from one usage-records read per provider process when the credential is
 * App+User with MFA; unset (and the operations unharmed) when it is app-only.
 */
import { strict as assert } from "node:assert";
import { DEMO_CUSTOMERS, generateCustomers, type CustomerRecord } from "pulumi-partnercenter/emulator";
import { EntraFixture } from "./entraFixture";
import { startStack, type DriverResult, type TestStack } from "./stack";

const CLIENT_ID = "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const SECRET = "emulated-spend-client-secret";
const [CONTOSO, FABRIKAM, NORTHWIND] = DEMO_CUSTOMERS as [
  CustomerRecord,
  CustomerRecord,
  CustomerRecord,
  CustomerRecord,
];
const GENERATED = generateCustomers(3);
const USAGE_RECORDS = "/v1/customers/usagerecords";
const UNSET_LINE =
  /partnercenter: spend, currency and percentUsed are left unset: Partner Center's usage records accept App\+User credentials only and refused this one \(HTTP 403, code 403\); to see spend, configure an App\+User credential signed in with MFA/;

/** How many diagnostics of a run say why spend is unset (the CLI prints each twice: as it comes, and in its summary). */
function unsetLines(result: DriverResult): number {
  return result.result.events.filter((event) => UNSET_LINE.test(event.diagnosticEvent?.message ?? "")).length;
}

function usageRecordReads(stack: TestStack): number {
  return stack.emulator.requests.filter((request) => request.path.split("?")[0] === USAGE_RECORDS).length;
}

describe("spend outputs on UsageBudget through the real Pulumi CLI", function () {
  this.timeout(300_000);

  describe("with an App+User credential signed in with MFA (a refresh token)", () => {
    let fixture: EntraFixture;
    let stack: TestStack;

    beforeEach(async () => {
      fixture = await EntraFixture.start([{ clientId: CLIENT_ID, secret: SECRET }]);
      stack = await fixture.startStack({
        config: {
          ...fixture.appSettings(CLIENT_ID),
          "partnercenter:refreshToken": {
            value: fixture.entra.issueRefreshToken(CLIENT_ID, { mfa: true }),
            secret: true,
          },
          "partnercenter:clientSecret": { value: SECRET, secret: true },
        },
        emulator: {
          customers: [...DEMO_CUSTOMERS, ...GENERATED],
          tokenIdentity: fixture.entra.tokenIdentity(),
          defaultPageSize: 2,
        },
      });
    });

    afterEach(async () => {
      await fixture.stop();
    });

    it("create and refresh fill spend, currency and percentUsed from one usage-records read per process for N budgets; a change of spend is no drift and no diff", async () => {
      const program = [
        stack.budget("contoso", { customerId: CONTOSO.id, amount: 1000 }),
        stack.budget("fabrikam", { customerId: FABRIKAM.id, amount: 50 }),
        stack.budget("northwind", { customerId: NORTHWIND.id, amount: null }),
        ...GENERATED.map((customer, index) =>
          stack.budget(`generated-${index}`, { customerId: customer.id, amount: 400 }),
        ),
      ];
      const up = await stack.engine.up(program, { parallel: 8 });
      assert.deepEqual(up.errors, [], up.result.output);
      // The emulator pages by 2: the one read is 3 pages for 6 customers with a relationship, however many budgets ask.
      assert.equal(usageRecordReads(stack), 3, "one read (3 pages) for 6 budgets, not one per budget");
      let state = await stack.engine.byName();
      assert.deepEqual(pick(state.get("contoso")?.outputs), { spend: 812.4, currency: "EUR", percentUsed: 81.24 });
      assert.deepEqual(
        pick(state.get("fabrikam")?.outputs),
        { spend: 95.1, currency: "USD", percentUsed: 190.2 },
        "percentUsed against the declared amount, past 100",
      );
      assert.deepEqual(
        pick(state.get("northwind")?.outputs),
        { spend: 301.25, currency: "GBP" },
        "no budget: no percentUsed; the legacy offer's currencyLocale read",
      );
      for (const [index, customer] of GENERATED.entries())
        assert.equal(state.get(`generated-${index}`)?.outputs.spend, customer.spend);

      // Usage grows during the month: a refresh records it, and neither the refresh nor the next preview calls it a change.
      stack.emulator.setSpend(CONTOSO.id, 1234.56);
      stack.emulator.clearRequests();
      const refresh = await stack.engine.refresh({ expectNoChanges: true });
      assert.equal(refresh.result.exitCode, 0, `spend is no drift: ${refresh.result.output}`);
      assert.equal(usageRecordReads(stack), 3, "one read in the refresh process too");
      state = await stack.engine.byName();
      assert.deepEqual(pick(state.get("contoso")?.outputs), { spend: 1234.56, currency: "EUR", percentUsed: 123.46 });
      assert.deepEqual(
        pick(state.get("contoso")?.inputs),
        { spend: 1234.56, currency: "EUR" },
        "the refreshed spend travels with the inputs, where a policy sees it",
      );

      stack.emulator.clearRequests();
      const preview = await stack.engine.preview(program, { expectNoChanges: true });
      assert.equal(preview.result.exitCode, 0, preview.result.output);
      assert.ok(
        preview.steps.every((step) => step.op === "same"),
        JSON.stringify(preview.steps),
      );
      assert.equal(stack.emulator.requests.length, 0, "a preview sends nothing, spend included");
      assert.doesNotMatch(stack.engine.allOutput, /left unset/, "nothing to explain");
    });

    it("an update keeps the recorded spend beside the new amount (no read of its own), and the checked inputs carry the refreshed spend on", async () => {
      await stack.engine.arrange([stack.budget("contoso", { customerId: CONTOSO.id, amount: 1000 })]);
      assert.equal((await stack.engine.refresh()).result.exitCode, 0);
      stack.emulator.clearRequests();
      const up = await stack.engine.up([stack.budget("contoso", { customerId: CONTOSO.id, amount: 800 })]);
      assert.deepEqual(up.steps, [{ name: "contoso", op: "update" }]);
      assert.equal(usageRecordReads(stack), 0);
      const contoso = (await stack.engine.byName()).get("contoso");
      assert.deepEqual(pick(contoso?.outputs), { spend: 812.4, currency: "EUR", percentUsed: 101.55 });
      assert.deepEqual(
        pick(contoso?.inputs),
        { spend: 812.4, currency: "EUR" },
        "check carried the spend into the program's new inputs (what a policy sees)",
      );
      assert.equal(contoso?.inputs.amount, 800);
    });
  });

  describe("with an app-only credential", () => {
    let stack: TestStack;

    beforeEach(async () => {
      // The emulator's static token stands for an app-only credential: the spend calls refuse it (403).
      stack = await startStack();
    });

    afterEach(async () => {
      await stack.stop();
    });

    it("create and refresh succeed with spend, currency and percentUsed unset, and say why once per process", async () => {
      const program = [
        stack.budget("contoso", { customerId: CONTOSO.id, amount: 1000 }),
        stack.budget("fabrikam", { customerId: FABRIKAM.id, amount: 500 }),
      ];
      const up = await stack.engine.up(program);
      assert.equal(up.result.exitCode, 0, up.result.output);
      assert.deepEqual(up.errors, []);
      assert.equal(usageRecordReads(stack), 1, "asked once, refused once");
      for (const budget of (await stack.engine.byName()).values())
        assert.deepEqual(pick(budget.outputs), {}, budget.name);
      assert.equal(unsetLines(up), 1, up.result.output);

      const refresh = await stack.engine.refresh({ expectNoChanges: true });
      assert.equal(refresh.result.exitCode, 0, refresh.result.output);
      assert.equal(unsetLines(refresh), 1, refresh.result.output);
      for (const budget of (await stack.engine.byName()).values())
        assert.deepEqual(pick(budget.outputs), {}, budget.name);
      assert.equal(stack.emulator.budgetOf(CONTOSO.id), 1000);
    });
  });
});

/** The spend properties of a property bag (absent ones left out). */
function pick(props: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(
    ["spend", "currency", "percentUsed"].filter((key) => props?.[key] !== undefined).map((key) => [key, props?.[key]]),
  );
}
