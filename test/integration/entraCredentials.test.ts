/**
 * Every credential kind from either source (stack config or environment),
 * in process: the provider's settings, the credential they choose, and the
 * real MSAL talking HTTPS to the emulated Entra ID. The engine tests
 * (test/engine/auth.engine.test.ts) run each kind once through the engine
 * model, from one source each; this file holds the whole matrix.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "undici";
import {
  EMULATOR_CA,
  EntraEmulator,
  GITHUB_ISSUER,
  TEST_CLIENT_CERTIFICATE,
  TEST_CLIENT_KEY,
} from "pulumi-partnercenter/emulator";
import type { TokenCredential } from "../../provider/client/auth";
import { clientCertificateCredential } from "../../provider/client/auth/msalCredentials";
import { readClientCertificate } from "../../provider/settings/credentialFiles";
import { credentialFromSettings } from "../../provider/settings/credentials";
import { Secret } from "../../provider/shared/secret";
import { resolveSettings } from "../../provider/settings/settings";
import { buildPfx } from "../support/pkcs12";

const CLIENT_ID = "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const SECRET = "emulated-client-secret-value";
const GITHUB_SUBJECT = "repo:emulated-org/budgets:ref:refs/heads/main";
const WORKLOAD_ISSUER = "https://oidc.prod-aks.azure.com/emulated-cluster/";
const WORKLOAD_SUBJECT = "system:serviceaccount:budgets:pulumi";

type Source = "config" | "env";

/** Settings from one source: a stack config key or its environment variable. */
interface Setup {
  config: Record<string, string>;
  env: NodeJS.ProcessEnv;
}

describe("each credential kind from stack config and from the environment, in process, against the emulated Entra ID", () => {
  let entra: EntraEmulator;
  let dispatcher: Agent;
  let dir: string;

  beforeEach(async () => {
    entra = await EntraEmulator.start({
      apps: [
        {
          clientId: CLIENT_ID,
          secret: SECRET,
          certificate: TEST_CLIENT_CERTIFICATE,
          federated: [
            { issuer: GITHUB_ISSUER, subject: GITHUB_SUBJECT },
            { issuer: WORKLOAD_ISSUER, subject: WORKLOAD_SUBJECT },
          ],
        },
      ],
    });
    // The host trusts the emulator's CA through NODE_EXTRA_CA_CERTS; in process, the dispatcher carries it.
    dispatcher = new Agent({ connect: { ca: EMULATOR_CA } });
    dir = mkdtempSync(join(tmpdir(), "pc-entra-cred-"));
  });

  afterEach(async () => {
    await dispatcher.close();
    await entra.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Tenant, client and authority from the source. */
  function base(via: Source): Setup {
    return via === "config"
      ? {
          config: {
            "partnercenter:tenantId": entra.tenantId,
            "partnercenter:clientId": CLIENT_ID,
            "partnercenter:authority": entra.authority,
          },
          env: {},
        }
      : {
          config: {},
          env: { AZURE_TENANT_ID: entra.tenantId, AZURE_CLIENT_ID: CLIENT_ID, AZURE_AUTHORITY_HOST: entra.authority },
        };
  }

  /** Sets one setting in the source: `key` in stack config or `variable` in the environment. */
  function set(setup: Setup, via: Source, key: string, variable: string, value: string): void {
    if (via === "config") setup.config[`partnercenter:${key}`] = value;
    else setup.env[variable] = value;
  }

  /**
   * Takes a token twice (one acquisition, then the cache), then once more after
   * Partner Center refused it (a new acquisition), and checks each was issued
   * and accepted by a Partner Center that trusts this Entra ID.
   */
  async function exercise(setup: Setup, grantType: string): Promise<TokenCredential> {
    const credential = credentialFromSettings(
      resolveSettings({ get: (key) => setup.config[key] }, setup.env),
      dispatcher,
    );
    const verify = entra.tokenVerifier();
    const first = await credential.getToken();
    assert.equal((await credential.getToken()).reveal(), first.reveal(), "the second call is served from the cache");
    assert.deepEqual(
      entra.tokenRequests.map((r) => [r.grantType, r.issued]),
      [[grantType, true]],
    );
    assert.equal(credential.invalidate(), true, "an MSAL credential can always try for a new token");
    const renewed = await credential.getToken();
    assert.equal(entra.tokenRequests.length, 2, "a refused token is acquired anew");
    for (const token of [first, renewed])
      assert.equal(verify(token.reveal()), undefined, "Partner Center accepts the token");
    return credential;
  }

  for (const via of ["config", "env"] as const) {
    it(`client secret from ${via}`, async () => {
      const setup = base(via);
      set(setup, via, "clientSecret", "AZURE_CLIENT_SECRET", SECRET);
      await exercise(setup, "client_credentials");
      assert.equal(entra.tokenRequests[0]!.x5c, undefined);
    });

    it(`client certificate from ${via} (thumbprint computed, x5c sent)`, async () => {
      const setup = base(via);
      const pem = `${TEST_CLIENT_CERTIFICATE}${TEST_CLIENT_KEY}`;
      if (via === "config") setup.config["partnercenter:clientCertificate"] = pem;
      else {
        writeFileSync(join(dir, "client.pem"), pem);
        setup.env.AZURE_CLIENT_CERTIFICATE_PATH = join(dir, "client.pem");
      }
      await exercise(setup, "client_credentials");
      assert.equal(entra.tokenRequests[0]!.x5c, true);
    });

    it(`client certificate as a PKCS#12 (.pfx) file with an empty password, path from ${via}`, async () => {
      const setup = base(via);
      const file = join(dir, "client.pfx");
      writeFileSync(
        file,
        buildPfx({ certificates: [TEST_CLIENT_CERTIFICATE], keys: [TEST_CLIENT_KEY], password: "", scheme: "aes-256" }),
      );
      set(setup, via, "clientCertificatePath", "AZURE_CLIENT_CERTIFICATE_PATH", file);
      await exercise(setup, "client_credentials");
      assert.equal(entra.tokenRequests[0]!.x5c, true);
    });

    it(`federated token file from ${via}, re-read for every token`, async () => {
      const setup = base(via);
      const file = join(dir, "token");
      writeFileSync(file, entra.federatedToken(WORKLOAD_SUBJECT, WORKLOAD_ISSUER));
      set(setup, via, "federatedTokenFile", "AZURE_FEDERATED_TOKEN_FILE", file);
      const credential = await exercise(setup, "client_credentials");
      // The file rotates to a token Entra does not accept: the same credential's next acquisition reads it and says why it fails.
      writeFileSync(file, entra.federatedToken("system:serviceaccount:other:intruder", WORKLOAD_ISSUER));
      credential.invalidate();
      await assert.rejects(
        credential.getToken(),
        /Microsoft Entra ID refused the federated token in .* for app .*: invalid_client: AADSTS70021: No matching federated identity record found for presented assertion subject 'system:serviceaccount:other:intruder'/,
      );
    });

    it(`GitHub Actions OIDC with tenant and client from ${via}`, async () => {
      const setup = base(via);
      setup.env.ACTIONS_ID_TOKEN_REQUEST_URL = entra.githubRequestUrl;
      setup.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = entra.githubRequestToken;
      await exercise(setup, "client_credentials");
    });

    it(`App+User refresh token from ${via}; the rotated refresh token serves the next acquisition`, async () => {
      const setup = base(via);
      set(setup, via, "refreshToken", "PARTNERCENTER_REFRESH_TOKEN", entra.issueRefreshToken(CLIENT_ID));
      set(setup, via, "clientSecret", "AZURE_CLIENT_SECRET", SECRET);
      await exercise(setup, "refresh_token");
      const [first, renewal] = entra.tokenRequests;
      assert.equal(renewal!.refreshToken!.presented, first!.refreshToken!.issued, "the rotated refresh token is used");
    });
  }

  // The password setting (partnercenter:clientCertificatePassword) is read by settings.ts; here the reader gets it as the settings will give it.
  for (const scheme of ["aes-256", "legacy"] as const) {
    it(`client certificate as a password-protected PKCS#12 (.pfx) file (${scheme}): MSAL signs with its key, Entra ID accepts it`, async () => {
      const password = "pfx-integration-password-5d21";
      const file = join(dir, "client.pfx");
      writeFileSync(
        file,
        buildPfx({ certificates: [TEST_CLIENT_CERTIFICATE], keys: [TEST_CLIENT_KEY], password, scheme }),
      );
      const certificate = readClientCertificate(
        { value: file, origin: "environment variable AZURE_CLIENT_CERTIFICATE_PATH" },
        true,
        { value: new Secret(password), origin: "environment variable ARM_CLIENT_CERTIFICATE_PASSWORD" },
      );
      const credential = clientCertificateCredential(
        { tenantId: entra.tenantId, clientId: CLIENT_ID, authority: entra.authority, dispatcher },
        certificate,
      );
      const token = await credential.getToken();
      assert.deepEqual(
        entra.tokenRequests.map((r) => [r.grantType, r.issued, r.x5c]),
        [["client_credentials", true, true]],
      );
      assert.equal(entra.tokenVerifier()(token.reveal()), undefined, "Partner Center accepts the token");
    });
  }
});
