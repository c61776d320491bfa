import { strict as assert } from "node:assert";
import { createPrivateKey } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEMO_CUSTOMERS,
  TEST_CLIENT_CERTIFICATE,
  TEST_CLIENT_KEY,
  type EntraEmulator,
} from "pulumi-partnercenter/emulator";
import { AUTH_MODES, credentialMode, type AuthMode } from "../../provider/settings/credentialModes";
import { EntraFixture } from "./entraFixture";
import type { ConfigValue, TestStack } from "./stack";

const [CONTOSO, , , TAILSPIN] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string, string, string];
const CLIENT_ID = "6b1e2d3c-4f5a-4b6c-9d8e-7f6a5b4c3d2e";
const CANARY = {
  clientSecret: "canary-client-secret-4b1f8e",
  refreshToken: "canary-refresh-token-93c2d7",
  accessToken: "canary-access-token-5e6a10",
  githubRequestToken: "canary-github-request-token-28d4",
  federatedToken: "canary-federated-token-7ac3",
  oidcToken: "canary-oidc-token-a83f52",
  systemAccessToken: "canary-system-access-token-61be",
  certificatePassword: "canary-certificate-password-2c5d",
  armCertificatePassword: "canary-arm-certificate-password-9b0e",
};
/** The test key, encrypted with the password canary. */
const ENCRYPTED_KEY = createPrivateKey(TEST_CLIENT_KEY)
  .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: CANARY.certificatePassword })
  .toString();
/** A line from the middle of the private key: proof that the key itself leaked. */
const KEY_CANARY = TEST_CLIENT_KEY.split("\n")[5]!;

/** The text of every file under a directory. */
function filesUnder(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"))
    .join("\n");
}

function assertNoCanary(where: string, text: string, extra: string[] = []): void {
  for (const canary of [...Object.values(CANARY), KEY_CANARY, ...extra])
    assert.ok(!text.includes(canary), `${where} contains ${canary.slice(0, 24)}…`);
}

describe("no secret leaks, with a canary in every secret setting", function () {
  let fixture: EntraFixture;
  let entra: EntraEmulator;

  beforeEach(async () => {
    fixture = await EntraFixture.start([{ clientId: CLIENT_ID, secret: CANARY.clientSecret }]);
    entra = fixture.entra;
    writeFileSync(join(fixture.dir, "federated-token"), CANARY.federatedToken);
  });
  afterEach(() => fixture.stop());

  function secrets(
    mode: string,
    overrides: Record<string, string> = {},
  ): { config: Record<string, ConfigValue>; env: Record<string, string> } {
    const secret = (value: string): ConfigValue => ({ value, secret: true });
    return {
      config: {
        "partnercenter:auth": { value: mode },
        ...fixture.appSettings(CLIENT_ID),
        "partnercenter:clientSecret": secret(overrides.clientSecret ?? CANARY.clientSecret),
        "partnercenter:refreshToken": secret(CANARY.refreshToken),
        "partnercenter:accessToken": secret(CANARY.accessToken),
        // The key encrypted with the password canary: the clientCertificate run reads the password.
        "partnercenter:clientCertificate": secret(`${TEST_CLIENT_CERTIFICATE}${ENCRYPTED_KEY}`),
        "partnercenter:clientCertificatePassword": secret(CANARY.certificatePassword),
        "partnercenter:oidcToken": secret(CANARY.oidcToken),
        "partnercenter:adoServiceConnectionId": { value: "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f" },
      },
      env: {
        NODE_EXTRA_CA_CERTS: fixture.caFile,
        AZURE_FEDERATED_TOKEN_FILE: join(fixture.dir, "federated-token"),
        ACTIONS_ID_TOKEN_REQUEST_URL: entra.githubRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: CANARY.githubRequestToken,
        PARTNERCENTER_CLIENT_SECRET: CANARY.clientSecret,
        PARTNERCENTER_REFRESH_TOKEN: CANARY.refreshToken,
        ARM_CLIENT_CERTIFICATE_PASSWORD: CANARY.armCertificatePassword,
        // Not an Azure DevOps: its answer (a 404) is what a wrong SYSTEM_OIDCREQUESTURI gives.
        SYSTEM_OIDCREQUESTURI: `${entra.authority}/contoso/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken`,
        SYSTEM_ACCESSTOKEN: CANARY.systemAccessToken,
      },
    };
  }

  function start(mode: string, overrides: Record<string, string> = {}): Promise<TestStack> {
    return fixture.startStack(secrets(mode, overrides));
  }

  it("a successful run shows none of them, nor the access token it used, in __provider, state, errors or output, even when Partner Center quotes requests back in its errors", async () => {
    const test = await start("clientSecret");
    test.emulator.faults.configure({ echoRequestsInErrors: true });
    const up = await test.engine.up([
      test.budget("contoso", { customerId: CONTOSO, amount: 1500 }),
      test.budget("tailspin", { customerId: TAILSPIN, amount: 5 }),
    ]);
    assert.equal(test.emulator.budgetOf(CONTOSO), 1500);
    assert.equal(up.errors.length, 1, "the customer without relationship fails");
    const registered = [...(await test.engine.state()).values()];
    assert.equal(registered.length, 1);
    assertNoCanary("the registered inputs and outputs (__provider included)", JSON.stringify(registered));
    await test.engine.refresh();
    await test.engine.destroy();
    const issued = test.emulator.requests[0]!.headers.authorization!.replace("Bearer ", "");
    assertNoCanary(
      "state, errors and the CLI's output",
      JSON.stringify({ state: [...(await test.engine.state()).values()], up, output: test.engine.allOutput }),
      [issued],
    );
    assertNoCanary(
      "the files of the state backend (checkpoints and their backups)",
      filesUnder(join(test.directory, "state")),
      [issued],
    );
  });

  /** What makes a mode's run fail: the client secret Entra ID knows is made wrong; the other canaries fail as they are. */
  const FAILING: Partial<Record<AuthMode, Record<string, string>>> = {
    clientSecret: { clientSecret: "canary-wrong-secret-0f7e" },
  };
  // Every mode of the table that asks Entra ID (test/integration/credentialSecrets.test.ts puts a canary in each one's secrets).
  for (const mode of AUTH_MODES.filter((mode) => credentialMode(mode).app)) {
    const overrides = FAILING[mode] ?? {};
    it(`a failing ${mode} run shows none of them in its errors or output, even when Entra ID quotes the request back`, async () => {
      const test = await start(mode, overrides);
      entra.echoRequestsInErrors = true;
      // The update pass is where Entra ID is called; the preview pass only checks and diffs.
      const up = await test.engine.up([test.budget("contoso", { customerId: CONTOSO, amount: 1 })]);
      assert.equal(up.errors.length, 1, `${mode} should fail: ${JSON.stringify(up)}`);
      assert.match(up.errors[0]!, /Microsoft Entra ID refused|GitHub Actions gave no OIDC token|Azure DevOps/);
      const assertions = entra.tokenRequests.flatMap((request) =>
        request.clientAssertion ? [request.clientAssertion] : [],
      );
      assertNoCanary("errors and host output", JSON.stringify({ up, output: test.engine.allOutput }), [
        "canary-wrong-secret-0f7e",
        ...assertions,
      ]);
    });
  }
});
