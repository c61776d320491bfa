/** Issue 25: the credentials partners' CI gives, through the real Pulumi CLI against emulated Entra ID and Azure DevOps. */
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AzureDevOpsEmulator,
  DEMO_CUSTOMERS,
  GITHUB_ISSUER,
  TEST_CLIENT_CERTIFICATE,
  TEST_CLIENT_KEY,
  type EntraEmulator,
} from "pulumi-partnercenter/emulator";
import { buildPfx } from "../support/pkcs12";
import { EntraFixture } from "./entraFixture";
import type { TestStack } from "./stack";

const [CONTOSO, FABRIKAM] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string];
const CLIENT_ID = "7c3d2e1f-0a9b-4c8d-8e7f-6a5b4c3d2e1f";
const SECRET = "ci-credentials-client-secret";
const ORGANIZATION_ID = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a";
const CONNECTION = {
  id: "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f",
  name: "partner-center",
  workloadIdentityFederation: true,
};
const PULUMI_ISSUER = "https://api.pulumi.com/oidc";
const ESC_AUDIENCE = "azure:contoso";
const ESC_SUBJECT =
  "pulumi:environments:pulumi.organization.login:contoso:currentEnvironment.name:partnercenter/budgets";

describe("CI credentials through the real Pulumi CLI: Azure Pipelines, ARM_* names, Pulumi ESC", () => {
  let fixture: EntraFixture;
  let entra: EntraEmulator;
  let ado: AzureDevOpsEmulator;

  beforeEach(async () => {
    fixture = await EntraFixture.start([
      {
        clientId: CLIENT_ID,
        secret: SECRET,
        certificate: TEST_CLIENT_CERTIFICATE,
        federated: [
          {
            issuer: `https://vstoken.dev.azure.com/${ORGANIZATION_ID}`,
            subject: `sc://contoso-partner/budgets/${CONNECTION.name}`,
          },
          { issuer: PULUMI_ISSUER, subject: ESC_SUBJECT, audience: ESC_AUDIENCE },
          { issuer: GITHUB_ISSUER, subject: "repo:emulated-org/budgets:ref:refs/heads/main" },
        ],
      },
    ]);
    entra = fixture.entra;
    ado = await AzureDevOpsEmulator.start({
      signer: entra,
      organization: { name: "contoso-partner", id: ORGANIZATION_ID },
      serviceConnections: [CONNECTION],
    });
  });
  afterEach(async () => {
    await ado.stop();
    await fixture.stop();
  });

  /** The app as azurerm and azure-native read it: ARM_* names only. */
  const armApp = (): Record<string, string> => ({
    ARM_TENANT_ID: entra.tenantId,
    ARM_CLIENT_ID: CLIENT_ID,
    AZURE_AUTHORITY_HOST: entra.authority,
  });
  const program = (test: TestStack, amount: number) => [
    test.budget("contoso", { customerId: CONTOSO, amount }),
    test.budget("fabrikam", { customerId: FABRIKAM, amount: 600 }),
  ];

  it("Azure Pipelines: the job's OIDC token for the service connection is exchanged with Entra ID, a fresh one for every exchange", async () => {
    const test = await fixture.startStack({
      env: {
        ...armApp(),
        SYSTEM_OIDCREQUESTURI: ado.oidcRequestUri,
        SYSTEM_ACCESSTOKEN: ado.accessToken,
        ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID: CONNECTION.id,
      },
    });
    const up = await test.engine.up(program(test, 1500));
    assert.deepEqual(up.errors, []);
    assert.equal(test.emulator.budgetOf(CONTOSO), 1500);
    assert.equal(ado.requests.length, 1, "one OIDC token for one Entra exchange");
    const [request] = ado.requests;
    assert.equal(request!.method, "POST");
    assert.equal(request!.apiVersion, "7.1");
    assert.equal(request!.serviceConnectionId, CONNECTION.id);
    assert.equal(request!.headers.authorization, `Bearer ${ado.accessToken}`);
    assert.equal(
      entra.tokenRequests[0]!.clientAssertion,
      request!.oidcToken,
      "the token Azure DevOps issued is the assertion Entra ID received",
    );

    const again = await test.engine.up(program(test, 1600));
    assert.deepEqual(again.errors, []);
    assert.equal(ado.requests.length, 2, "the next run's exchange asks Azure DevOps again");
    assert.notEqual(ado.requests[1]!.oidcToken, ado.requests[0]!.oidcToken);
    assert.ok(
      !JSON.stringify({ up, again, output: test.engine.allOutput, state: await test.engine.resources() }).includes(
        ado.accessToken,
      ),
      "SYSTEM_ACCESSTOKEN shows nowhere",
    );
  });

  it("Azure Pipelines inside an AzureCLI@2 task (AZURESUBSCRIPTION_SERVICE_CONNECTION_ID); a refused SYSTEM_ACCESSTOKEN and a connection without federation say what to fix", async () => {
    ado.addServiceConnection({
      id: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
      name: "secret-based",
      workloadIdentityFederation: false,
    });
    const test = await fixture.startStack({
      env: {
        ...armApp(),
        SYSTEM_OIDCREQUESTURI: ado.oidcRequestUri,
        SYSTEM_ACCESSTOKEN: ado.accessToken,
        AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: CONNECTION.id,
      },
    });
    assert.deepEqual((await test.engine.up(program(test, 1500))).errors, []);

    test.engine.setEnv({
      ...armApp(),
      SYSTEM_OIDCREQUESTURI: ado.oidcRequestUri,
      SYSTEM_ACCESSTOKEN: "a-revoked-system-access-token",
      AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: CONNECTION.id,
    });
    const refused = await test.engine.up(program(test, 1700));
    assert.equal(refused.errors.length, 1, JSON.stringify(refused.errors));
    assert.match(refused.errors[0]!, /SYSTEM_ACCESSTOKEN/);
    assert.match(refused.errors[0]!, /401/);
    assert.ok(!refused.errors[0]!.includes("a-revoked-system-access-token"));

    test.engine.setEnv({
      ...armApp(),
      SYSTEM_OIDCREQUESTURI: ado.oidcRequestUri,
      SYSTEM_ACCESSTOKEN: ado.accessToken,
      AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: undefined,
      ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
    });
    const notFederated = await test.engine.up(program(test, 1700));
    assert.equal(notFederated.errors.length, 1);
    assert.match(notFederated.errors[0]!, /0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9/);
    assert.match(notFederated.errors[0]!, /workload identity federation/);
  });

  it("Pulumi ESC's azure-login: ARM_OIDC_TOKEN from Pulumi's issuer, for audience azure:<org>, is the credential", async () => {
    const token = entra.federatedToken(ESC_SUBJECT, PULUMI_ISSUER, ESC_AUDIENCE);
    const test = await fixture.startStack({ env: { ...armApp(), ARM_OIDC_TOKEN: token } });
    const up = await test.engine.up(program(test, 1500));
    assert.deepEqual(up.errors, []);
    assert.equal(entra.tokenRequests[0]!.clientAssertion, token);
    assert.ok(
      !JSON.stringify({ up, output: test.engine.allOutput, state: await test.engine.resources() }).includes(token),
      "the OIDC token shows nowhere",
    );
  });

  it("ARM_OIDC_REQUEST_URL/_TOKEN (GitHub's token, as azurerm asks for it), ARM_OIDC_TOKEN_FILE_PATH, and ARM_USE_OIDC preferring OIDC over a secret", async () => {
    const test = await fixture.startStack({
      env: {
        ...armApp(),
        ARM_OIDC_REQUEST_URL: entra.githubRequestUrl,
        ARM_OIDC_REQUEST_TOKEN: entra.githubRequestToken,
      },
    });
    assert.deepEqual((await test.engine.up(program(test, 1500))).errors, []);
    assert.ok(entra.tokenRequests.at(-1)!.clientAssertion, "a federated assertion from GitHub's endpoint");

    const file = join(fixture.dir, "oidc-token");
    writeFileSync(file, entra.federatedToken(ESC_SUBJECT, PULUMI_ISSUER, ESC_AUDIENCE));
    test.engine.setEnv({
      ARM_OIDC_REQUEST_URL: undefined,
      ARM_OIDC_REQUEST_TOKEN: undefined,
      ARM_OIDC_TOKEN_FILE_PATH: file,
      ARM_CLIENT_SECRET: SECRET,
      ARM_USE_OIDC: "true",
    });
    assert.deepEqual((await test.engine.up(program(test, 1600))).errors, []);
    assert.equal(
      entra.tokenRequests.at(-1)!.clientAssertion,
      readFileSync(file, "utf8"),
      "the token file, not the secret, with ARM_USE_OIDC",
    );
    assert.equal(test.emulator.budgetOf(CONTOSO), 1600);
  });

  it("a PKCS#12 (.pfx) certificate with its password, as azurerm reads them (ARM_CLIENT_CERTIFICATE_PATH, ARM_CLIENT_CERTIFICATE_PASSWORD)", async () => {
    const password = "pfx-password-for-ci-4e1d";
    const file = join(fixture.dir, "partnercenter.pfx");
    writeFileSync(
      file,
      buildPfx({ certificates: [TEST_CLIENT_CERTIFICATE], keys: [TEST_CLIENT_KEY], password, scheme: "aes-256" }),
    );
    const test = await fixture.startStack({
      env: { ...armApp(), ARM_CLIENT_CERTIFICATE_PATH: file, ARM_CLIENT_CERTIFICATE_PASSWORD: password },
    });
    const up = await test.engine.up(program(test, 1500));
    assert.deepEqual(up.errors, []);
    assert.equal(entra.tokenRequests[0]!.x5c, true, "a certificate assertion, with the chain");
    test.engine.setEnv({ ARM_CLIENT_CERTIFICATE_PASSWORD: "not-the-pfx-password" });
    const wrong = await test.engine.up(program(test, 1600));
    assert.match(
      wrong.errors.join("\n"),
      /the PKCS#12 \(PFX\) file .* does not open with the password from environment variable ARM_CLIENT_CERTIFICATE_PASSWORD/,
    );
    assert.ok(!JSON.stringify({ wrong, output: test.engine.allOutput }).includes("not-the-pfx-password"));
  });

  it("ARM_* names alone serve a client secret; AZURE_CLIENT_ID and ARM_CLIENT_ID for different apps are refused naming both, before any request", async () => {
    const test = await fixture.startStack({ env: { ...armApp(), ARM_CLIENT_SECRET: SECRET } });
    assert.deepEqual((await test.engine.up(program(test, 1500))).errors, []);
    test.engine.setEnv({
      ...armApp(),
      ARM_CLIENT_SECRET: SECRET,
      AZURE_CLIENT_ID: "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
    });
    test.emulator.clearRequests();
    const conflict = await test.engine.up(program(test, 1800));
    assert.equal(conflict.errors.length >= 1, true);
    assert.match(
      conflict.errors.join("\n"),
      /Conflicting values for partnercenter:clientId: environment variables AZURE_CLIENT_ID and ARM_CLIENT_ID differ/,
    );
    assert.equal(test.emulator.requests.length, 0, "nothing was sent");
  });
});
