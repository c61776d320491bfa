import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEMO_CUSTOMERS,
  GITHUB_ISSUER,
  TEST_CLIENT_CERTIFICATE,
  TEST_CLIENT_KEY,
  type EntraEmulator,
} from "pulumi-partnercenter/emulator";
import { EntraFixture } from "./entraFixture";
import type { ConfigValue, TestStack } from "./stack";

const [CONTOSO, FABRIKAM, NORTHWIND] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string, string];
const CLIENT_ID = "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const SECRET = "emulated-client-secret-value";
const GITHUB_SUBJECT = "repo:emulated-org/budgets:ref:refs/heads/main";
const WORKLOAD_ISSUER = "https://oidc.prod-aks.azure.com/emulated-cluster/";
const WORKLOAD_SUBJECT = "system:serviceaccount:budgets:pulumi";

interface AuthSetup {
  config: Record<string, ConfigValue>;
  env: Record<string, string>;
}

describe("authentication through MSAL, end to end against the emulated Entra ID", function () {
  let fixture: EntraFixture;
  let entra: EntraEmulator;
  let dir: string;

  beforeEach(async () => {
    fixture = await EntraFixture.start([
      {
        clientId: CLIENT_ID,
        secret: SECRET,
        certificate: TEST_CLIENT_CERTIFICATE,
        federated: [
          { issuer: GITHUB_ISSUER, subject: GITHUB_SUBJECT },
          { issuer: WORKLOAD_ISSUER, subject: WORKLOAD_SUBJECT },
        ],
      },
    ]);
    ({ entra, dir } = fixture);
  });

  afterEach(() => fixture.stop());

  /** Starts the host with the Partner Center emulator trusting Entra's tokens only (its static token is never given). */
  function start(setup: AuthSetup): Promise<TestStack> {
    return fixture.startStack(setup);
  }

  /** Three budgets at once, then an injected 401 and one more update. */
  async function exercise(test: TestStack, grantType: string): Promise<void> {
    const program = (contosoAmount: number) => [
      test.budget("contoso", { customerId: CONTOSO, amount: contosoAmount }),
      test.budget("fabrikam", { customerId: FABRIKAM, amount: 600 }),
      test.budget("northwind", { customerId: NORTHWIND, amount: 300 }),
    ];
    const up = await test.engine.arrange(program(1500));
    assert.deepEqual(up.errors, []);
    assert.equal(test.emulator.budgetOf(CONTOSO), 1500);
    assert.deepEqual(
      entra.tokenRequests.map((r) => [r.grantType, r.issued]),
      [[grantType, true]],
      "one token for six requests from three concurrent operations",
    );
    assert.ok(
      entra.paths.every((path) =>
        /\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$|^\/github\/idtoken$/.test(path),
      ),
      `no instance discovery: ${entra.paths.join(", ")}`,
    );

    // The next `pulumi up` is new provider processes (ENGINE.md, "passes"): its update pass takes a token of its own,
    // and exactly one more after the injected 401.
    test.emulator.faults.expireTokenForNext(1);
    const update = await test.engine.up(program(1600));
    assert.deepEqual(update.errors, []);
    assert.equal(test.emulator.budgetOf(CONTOSO), 1600);
    assert.equal(
      entra.tokenRequests.length,
      3,
      "one token for the second run, exactly one more after the injected 401",
    );
    if (grantType === "refresh_token") {
      const [, second, renewal] = entra.tokenRequests;
      assert.equal(
        second!.refreshToken!.presented,
        entra.tokenRequests[0]!.refreshToken!.presented,
        "a new run starts from the configured refresh token",
      );
      assert.equal(
        renewal!.refreshToken!.presented,
        second!.refreshToken!.issued,
        "within a run, the rotated refresh token is used",
      );
    }
    const patches = test.emulator.requests.filter((r) => r.method === "PATCH" && r.body.includes("1600"));
    assert.deepEqual(
      patches.map((r) => r.status),
      [401, 200],
      "the refused request was retried once with the new token",
    );
  }

  const base = (via: "config" | "env"): AuthSetup =>
    via === "config"
      ? { config: fixture.appSettings(CLIENT_ID), env: {} }
      : {
          config: {},
          env: { AZURE_TENANT_ID: entra.tenantId, AZURE_CLIENT_ID: CLIENT_ID, AZURE_AUTHORITY_HOST: entra.authority },
        };

  // Each credential kind once through the engine, the sources alternating so that both the config path (Configure)
  // and the environment path (the host's environment) are crossed; every kind from both sources is in
  // test/integration/entraCredentials.test.ts, in process.
  it("client secret from config", async () => {
    const setup = base("config");
    setup.config["partnercenter:clientSecret"] = { value: SECRET, secret: true };
    await exercise(await start(setup), "client_credentials");
  });

  it("client certificate from env (thumbprint computed, x5c sent)", async () => {
    const setup = base("env");
    writeFileSync(join(dir, "client.pem"), `${TEST_CLIENT_CERTIFICATE}${TEST_CLIENT_KEY}`);
    setup.env.AZURE_CLIENT_CERTIFICATE_PATH = join(dir, "client.pem");
    await exercise(await start(setup), "client_credentials");
    assert.equal(entra.tokenRequests[0]!.x5c, true);
  });

  it("federated token file from config", async () => {
    const setup = base("config");
    const file = join(dir, "token");
    writeFileSync(file, entra.federatedToken(WORKLOAD_SUBJECT, WORKLOAD_ISSUER));
    setup.config["partnercenter:federatedTokenFile"] = { value: file };
    // Re-reading the file for every token, and Entra's refusal of a rotated one, are in entraCredentials.test.ts.
    await exercise(await start(setup), "client_credentials");
  });

  it("GitHub Actions OIDC with tenant and client from env", async () => {
    const setup = base("env");
    setup.env.ACTIONS_ID_TOKEN_REQUEST_URL = entra.githubRequestUrl;
    setup.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = entra.githubRequestToken;
    await exercise(await start(setup), "client_credentials");
  });

  it("App+User refresh token from config; the rotated refresh token serves the rest of the run", async () => {
    const setup = base("config");
    setup.config["partnercenter:refreshToken"] = { value: entra.issueRefreshToken(CLIENT_ID), secret: true };
    setup.config["partnercenter:clientSecret"] = { value: SECRET, secret: true };
    await exercise(await start(setup), "refresh_token");
  });

  it("after rotating a secret kept in stack config: a refresh configures from state and fails with the old one, `refresh --run-program` uses the new one; a secret from the environment is read fresh", async () => {
    const setup = base("config");
    setup.config["partnercenter:clientSecret"] = { value: SECRET, secret: true };
    const test = await start(setup);
    const program = [test.budget("contoso", { customerId: CONTOSO, amount: 1500 })];
    await test.engine.arrange(program);
    // The old secret is revoked in Entra ID and the new one set in stack config.
    entra.registerApp({ clientId: CLIENT_ID, secret: "rotated-secret" });
    await test.engine.setConfig({
      ...setup.config,
      "partnercenter:endpoint": { value: test.emulator.endpoint },
      "partnercenter:clientSecret": { value: "rotated-secret", secret: true },
    });
    const stale = await test.engine.refresh();
    assert.equal(stale.result.exitCode, 1, "the engine configures a refresh with the config stored at the last update");
    assert.match(stale.errors.join("\n"), /Microsoft Entra ID refused the client secret .*AADSTS7000215/);
    test.emulator.setBudget(CONTOSO, 4000);
    const drift = await test.engine.preview(program, { refresh: true, runProgram: true, expectNoChanges: true });
    assert.equal(
      drift.result.exitCode,
      7,
      `with --run-program the program's config serves the refresh, which finds the drift: ${drift.result.output}`,
    );
    assert.deepEqual(drift.steps, [
      { name: "contoso", op: "refresh" },
      { name: "contoso", op: "update" },
    ]);
    const refresh = await test.engine.refresh({ runProgram: true });
    assert.equal(refresh.result.exitCode, 0, refresh.result.output);

    // A secret from the environment is not stored: the next refresh reads the new one.
    await test.engine.setConfig({
      ...fixture.appSettings(CLIENT_ID),
      "partnercenter:endpoint": { value: test.emulator.endpoint },
    });
    test.engine.setEnv({ AZURE_CLIENT_SECRET: "rotated-secret" });
    assert.equal(
      (await test.engine.up(program)).result.exitCode,
      0,
      "the secret from the environment serves the update",
    );
    entra.registerApp({ clientId: CLIENT_ID, secret: "rotated-again" });
    test.engine.setEnv({ AZURE_CLIENT_SECRET: "rotated-again" });
    assert.equal((await test.engine.refresh()).result.exitCode, 0, "the environment is read fresh by every run");
  });

  it("a credential Entra refuses shows Entra's code and description, and never the secret", async () => {
    const setup = base("config");
    setup.config["partnercenter:clientSecret"] = { value: "wrong-secret-canary-31f9", secret: true };
    const test = await start(setup);
    const up = await test.engine.up([test.budget("contoso", { customerId: CONTOSO, amount: 1 })]);
    assert.match(
      up.errors[0] ?? "",
      new RegExp(
        `Microsoft Entra ID refused the client secret of app ${CLIENT_ID} in tenant ${entra.tenantId}: invalid_client: AADSTS7000215: Invalid client secret provided`,
      ),
    );
    assert.ok(
      !JSON.stringify({ errors: up.errors, output: test.engine.allOutput }).includes("wrong-secret-canary-31f9"),
    );
    assert.equal(test.emulator.requests.length, 0, "nothing reached Partner Center");
  });
});
