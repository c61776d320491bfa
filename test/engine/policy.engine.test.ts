/**
 * The policy pack (examples/policy) under the real analyzer: `pulumi preview
 * --policy-pack`. The CLI runs a Node.js policy pack through the Node.js
 * language host (`pulumi-language-nodejs`): the one a released CLI on PATH
 * ships, or the one scripts/pulumiCli.ts builds beside the pinned CLI from
 * tools/language-host. Without one these tests fail, naming what is missing.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { requireLanguageHost } from "../../scripts/pulumiCli";
import { EntraFixture } from "./entraFixture";
import { pulumiCli, startStack, type TestStack } from "./stack";

const POLICY_PACK = resolve(__dirname, "../../../examples/policy");
const [CONTOSO, FABRIKAM] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string];

describe("the policy pack under the real analyzer (pulumi preview --policy-pack examples/policy)", function () {
  this.timeout(180_000);
  let stack: TestStack;
  let dir: string;
  before(async () => {
    requireLanguageHost(await pulumiCli());
  });
  beforeEach(async () => {
    stack = await startStack();
    dir = mkdtempSync(join(tmpdir(), "pc-policy-"));
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  });

  it("a mandatory violation fails the preview, an advisory one is printed and passes, and --policy-pack-config (a file) changes the limits", async () => {
    const tooHigh = [stack.budget("contoso", { customerId: CONTOSO, amount: 150_000 })];
    const refused = await stack.engine.preview(tooHigh, { policyPacks: [POLICY_PACK] });
    assert.equal(refused.result.exitCode, 1, refused.result.output);
    assert.match(refused.result.output, /usage-budget-maximum/);
    assert.match(refused.result.output, /amount 150000 is above the maximum 100000/);

    const cleared = [stack.budget("fabrikam", { customerId: FABRIKAM, amount: 500, onDelete: "clear" })];
    const advised = await stack.engine.preview(cleared, { policyPacks: [POLICY_PACK] });
    assert.equal(advised.result.exitCode, 0, advised.result.output);
    assert.match(advised.result.output, /Policies:[\s\S]*usage-budget-cleared[\s\S]*onDelete is "clear"/);

    const config = join(dir, "policy-config.json");
    writeFileSync(config, JSON.stringify({ "usage-budget-maximum": { maximum: 250_000 } }));
    const raised = await stack.engine.preview(tooHigh, { policyPacks: [POLICY_PACK], policyPackConfigs: [config] });
    assert.equal(raised.result.exitCode, 0, raised.result.output);
    assert.equal(stack.emulator.requests.length, 0, "a preview sends nothing");
  });
});

describe("the spend policy under the real analyzer, with the spend an App+User credential recorded", function () {
  this.timeout(300_000);
  const CLIENT_ID = "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
  const SECRET = "emulated-policy-client-secret";
  let fixture: EntraFixture;
  let stack: TestStack;
  before(async () => {
    requireLanguageHost(await pulumiCli());
  });
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
      emulator: { tokenIdentity: fixture.entra.tokenIdentity() },
    });
  });
  afterEach(async () => {
    await fixture.stop();
  });

  it("a declared amount below the month-to-date spend (812.40 EUR for Contoso) is advised in preview, which still passes and sends nothing; one above it is not", async () => {
    await stack.engine.arrange([stack.budget("contoso", { customerId: CONTOSO, amount: 1000 })]);
    // The refresh records the spend in the inputs, where the analyzer sees it.
    assert.equal((await stack.engine.refresh()).result.exitCode, 0);
    stack.emulator.clearRequests();
    const lowered = await stack.engine.preview([stack.budget("contoso", { customerId: CONTOSO, amount: 500 })], {
      policyPacks: [POLICY_PACK],
    });
    assert.equal(lowered.result.exitCode, 0, lowered.result.output);
    assert.match(
      lowered.result.output,
      /usage-budget-below-spend[\s\S]*amount 500 is below the month-to-date spend 812.4 EUR/,
    );
    const kept = await stack.engine.preview([stack.budget("contoso", { customerId: CONTOSO, amount: 900 })], {
      policyPacks: [POLICY_PACK],
    });
    assert.equal(kept.result.exitCode, 0, kept.result.output);
    assert.doesNotMatch(kept.result.output, /usage-budget-below-spend/);
    assert.equal(stack.emulator.requests.length, 0, "a preview sends nothing");
  });
});
