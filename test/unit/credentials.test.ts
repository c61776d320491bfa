import { strict as assert } from "node:assert";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvHttpProxyAgent } from "undici";
import { TEST_CLIENT_CERTIFICATE, TEST_CLIENT_KEY } from "pulumi-partnercenter/emulator";
import { CachedCredential, StaticTokenCredential } from "../../provider/client/auth";
import { readClientCertificate } from "../../provider/settings/credentialFiles";
import { credentialFromSettings } from "../../provider/settings/credentials";
import { Secret } from "../../provider/shared/secret";
import { CLOUD_AUTHORITIES, resolveSettings } from "../../provider/settings/settings";
import { FakeClock, flush } from "../support/fakeClock";
import { buildPfx } from "../support/pkcs12";
import { SettingsError } from "../../provider/shared/errors";

const TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const CLIENT = "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const dispatcher = new EnvHttpProxyAgent();

function credentialFor(config: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  return credentialFromSettings(resolveSettings({ get: (key) => config[key] }, env), dispatcher);
}

describe("choosing a credential", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "pc-cred-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  after(() => dispatcher.close());

  it("with nothing configured, lists what can be set: every mode of the table, by kind", () => {
    assert.throws(
      () => credentialFor({}),
      (error: Error) => {
        assert.ok(error instanceof SettingsError);
        assert.equal(
          error.message,
          "No Partner Center credentials are configured: set stack config partnercenter:accessToken (pulumi config set --secret partnercenter:accessToken <token>) or PARTNERCENTER_ACCESS_TOKEN; " +
            "or, with partnercenter:tenantId and partnercenter:clientId, one of partnercenter:clientSecret, partnercenter:clientCertificatePath / partnercenter:clientCertificate, " +
            "partnercenter:federatedTokenFile (AZURE_FEDERATED_TOKEN_FILE, ARM_OIDC_TOKEN_FILE_PATH), partnercenter:oidcToken (ARM_OIDC_TOKEN), partnercenter:refreshToken; " +
            'or run in GitHub Actions with "permissions: id-token: write", or in Azure Pipelines with partnercenter:adoServiceConnectionId (ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID) and SYSTEM_ACCESSTOKEN mapped',
        );
        return true;
      },
    );
  });

  it("refuses two conflicting modes, naming where each came from", () => {
    assert.throws(
      () =>
        credentialFor(
          { "partnercenter:clientSecret": "s", "partnercenter:tenantId": TENANT, "partnercenter:clientId": CLIENT },
          { AZURE_CLIENT_CERTIFICATE_PATH: "/x.pem" },
        ),
      /Conflicting Partner Center credentials: clientSecret \(from stack config partnercenter:clientSecret\) and clientCertificate \(from environment variable AZURE_CLIENT_CERTIFICATE_PATH\); keep one, or choose with partnercenter:auth/,
    );
  });

  it("an access token takes part in the same choice, named by where it came from", () => {
    assert.throws(
      () =>
        credentialFor(
          { "partnercenter:clientSecret": "s", "partnercenter:tenantId": TENANT, "partnercenter:clientId": CLIENT },
          { PARTNERCENTER_ACCESS_TOKEN: "t" },
        ),
      /Conflicting Partner Center credentials: accessToken \(from environment variable PARTNERCENTER_ACCESS_TOKEN\) and clientSecret \(from stack config partnercenter:clientSecret\)/,
    );
  });

  it("partnercenter:auth picks one of several", () => {
    const credential = credentialFor({
      "partnercenter:auth": "accessToken",
      "partnercenter:accessToken": "t",
      "partnercenter:clientSecret": "s",
    });
    assert.ok(credential instanceof StaticTokenCredential);
    assert.throws(
      () => credentialFor({ "partnercenter:auth": "kerberos" }),
      /"kerberos" is not a way to authenticate; use one of accessToken, clientSecret/,
    );
  });

  it("a refresh token with a client secret is App+User, not a conflict", () => {
    const credential = credentialFor({
      "partnercenter:refreshToken": "rt",
      "partnercenter:clientSecret": "s",
      "partnercenter:tenantId": TENANT,
      "partnercenter:clientId": CLIENT,
    });
    assert.match(credential.description, /the refresh token for app/);
  });

  it("a missing tenant or client id is named with every place it can be set", () => {
    assert.throws(
      () => credentialFor({ "partnercenter:clientSecret": "s" }),
      /The clientSecret credential needs stack config partnercenter:tenantId \(or PARTNERCENTER_TENANT_ID \/ AZURE_TENANT_ID \/ ARM_TENANT_ID\) and stack config partnercenter:clientId \(or PARTNERCENTER_CLIENT_ID \/ AZURE_CLIENT_ID \/ ARM_CLIENT_ID\)/,
    );
    assert.throws(
      () =>
        credentialFor({
          "partnercenter:clientSecret": "s",
          "partnercenter:tenantId": TENANT,
          "partnercenter:clientId": "my-app",
        }),
      /"my-app" is not a client \(application\) id, a GUID/,
    );
  });

  it("an unreadable certificate or token file fails before any request", () => {
    const ids = { "partnercenter:tenantId": TENANT, "partnercenter:clientId": CLIENT };
    assert.throws(
      () => credentialFor({ ...ids, "partnercenter:clientCertificatePath": join(dir, "missing.pem") }),
      /stack config partnercenter:clientCertificatePath: the certificate file ".*missing.pem" cannot be read \(ENOENT\)/,
    );
    writeFileSync(join(dir, "cert-only.pem"), TEST_CLIENT_CERTIFICATE);
    assert.throws(
      () => credentialFor({ ...ids, "partnercenter:clientCertificatePath": join(dir, "cert-only.pem") }),
      /expected PEM with a certificate and an unencrypted private key, found 1 certificate\(s\) and no private key/,
    );
    assert.throws(
      () => credentialFor(ids, { AZURE_FEDERATED_TOKEN_FILE: join(dir, "no-token") }),
      /environment variable AZURE_FEDERATED_TOKEN_FILE: the federated token file ".*no-token" cannot be read \(ENOENT\)/,
    );
    assert.throws(
      () => credentialFor({ ...ids, "partnercenter:auth": "githubOidc" }),
      /ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: give the job "permissions: id-token: write"/,
    );
  });

  it("GitHub Actions OIDC is used only when nothing else is configured", () => {
    const github = {
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://127.0.0.1:1/x?api-version=2.0",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t",
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
    };
    assert.match(credentialFor({}, github).description, /GitHub Actions OIDC token/);
    assert.ok(credentialFor({ "partnercenter:accessToken": "t" }, github) instanceof StaticTokenCredential);
  });

  it("ARM_* names are read after the project's own and AZURE_* ones, as azurerm and azure-native read them", () => {
    const settings = resolveSettings(undefined, {
      ARM_TENANT_ID: TENANT,
      ARM_CLIENT_ID: CLIENT,
      ARM_CLIENT_SECRET: "arm-secret-value",
      ARM_CLIENT_CERTIFICATE_PASSWORD: "pfx-password",
      ARM_OIDC_TOKEN_FILE_PATH: "/run/token",
    });
    assert.equal(settings.credentials.tenantId?.origin, "environment variable ARM_TENANT_ID");
    assert.equal(settings.credentials.clientId?.value, CLIENT);
    assert.equal(settings.credentials.clientSecret?.origin, "environment variable ARM_CLIENT_SECRET");
    assert.equal(
      settings.credentials.clientCertificatePassword?.origin,
      "environment variable ARM_CLIENT_CERTIFICATE_PASSWORD",
    );
    assert.equal(settings.credentials.federatedTokenFile?.origin, "environment variable ARM_OIDC_TOKEN_FILE_PATH");
    // The project's own name wins over a shared one for another app (a job that also deploys with azure-native).
    const own = resolveSettings(undefined, {
      PARTNERCENTER_CLIENT_ID: CLIENT,
      ARM_CLIENT_ID: TENANT,
      AZURE_CLIENT_ID: TENANT,
    });
    assert.equal(own.credentials.clientId?.origin, "environment variable PARTNERCENTER_CLIENT_ID");
    // Stack config wins over all of them.
    const configured = resolveSettings(
      { get: (key) => (key === "partnercenter:clientId" ? CLIENT : undefined) },
      { AZURE_CLIENT_ID: TENANT, ARM_CLIENT_ID: "8b0e4c1d-2a3f-4b5c-9d6e-7f8a9b0c1d2e" },
    );
    assert.equal(configured.credentials.clientId?.origin, "stack config partnercenter:clientId");
  });

  it("two shared names with different values fail naming both, never showing a value; equal ones are fine", () => {
    assert.throws(
      () =>
        resolveSettings(undefined, {
          AZURE_CLIENT_SECRET: "one-secret-value",
          ARM_CLIENT_SECRET: "other-secret-value",
        }),
      (error: Error) =>
        /Conflicting values for partnercenter:clientSecret: environment variables AZURE_CLIENT_SECRET and ARM_CLIENT_SECRET differ; unset one, or set partnercenter:clientSecret \(or PARTNERCENTER_CLIENT_SECRET\), which is read first/.test(
          error.message,
        ) && !error.message.includes("secret-value"),
    );
    assert.equal(
      resolveSettings(undefined, { AZURE_TENANT_ID: TENANT, ARM_TENANT_ID: TENANT }).credentials.tenantId?.origin,
      "environment variable AZURE_TENANT_ID",
    );
    assert.throws(
      () =>
        resolveSettings(undefined, {
          ACTIONS_ID_TOKEN_REQUEST_URL: "https://a.example/token",
          ARM_OIDC_REQUEST_URL: "https://b.example/token",
        }),
      /ACTIONS_ID_TOKEN_REQUEST_URL and ARM_OIDC_REQUEST_URL differ/,
    );
  });

  it("ARM_OIDC_TOKEN is a credential of its own (Pulumi ESC's azure-login), ARM_OIDC_REQUEST_* serve as GitHub's, ARM_USE_OIDC prefers OIDC", () => {
    const app = { ARM_TENANT_ID: TENANT, ARM_CLIENT_ID: CLIENT };
    assert.ok(credentialFor({}, { ...app, ARM_OIDC_TOKEN: "an-esc-oidc-token" }) instanceof CachedCredential);
    assert.match(
      String((credentialFor({}, { ...app, ARM_OIDC_TOKEN: "an-esc-oidc-token" }) as CachedCredential).description),
      /the OIDC token from environment variable ARM_OIDC_TOKEN/,
    );
    assert.throws(
      () => credentialFor({}, { ...app, ARM_OIDC_TOKEN: "t", ARM_CLIENT_SECRET: "s" }),
      /Conflicting Partner Center credentials: clientSecret \(from environment variable ARM_CLIENT_SECRET\) and oidcToken \(from environment variable ARM_OIDC_TOKEN\)/,
    );
    assert.match(
      String(
        (
          credentialFor(
            {},
            { ...app, ARM_OIDC_TOKEN: "t", ARM_CLIENT_SECRET: "s", ARM_USE_OIDC: "true" },
          ) as CachedCredential
        ).description,
      ),
      /OIDC token/,
    );
    assert.match(
      String(
        (
          credentialFor(
            {},
            { ...app, ARM_OIDC_REQUEST_URL: "https://gh.example/token", ARM_OIDC_REQUEST_TOKEN: "r" },
          ) as CachedCredential
        ).description,
      ),
      /GitHub Actions OIDC token/,
    );
    assert.throws(
      () => credentialFor({}, { ...app, ARM_USE_OIDC: "true", ARM_CLIENT_SECRET: "s" }),
      /ARM_USE_OIDC \(partnercenter:useOidc\) is true but no OIDC token is offered/,
    );
    assert.throws(
      () => credentialFor({}, { ...app, ARM_USE_OIDC: "yes" }),
      /Setting environment variable ARM_USE_OIDC: "yes" is not true or false/,
    );
    assert.throws(
      () =>
        credentialFor(
          {},
          {
            ...app,
            ARM_USE_OIDC: "false",
            ACTIONS_ID_TOKEN_REQUEST_URL: "https://gh.example/token",
            ACTIONS_ID_TOKEN_REQUEST_TOKEN: "r",
          },
        ),
      /No Partner Center credentials are configured/,
    );
  });

  it("what another tool's ARM_* names carry never overrides the project's own: ARM_USE_OIDC, an ARM_ password or secret for another app", () => {
    const own = {
      "partnercenter:tenantId": TENANT,
      "partnercenter:clientId": CLIENT,
      "partnercenter:clientSecret": "own-secret",
    };
    // azure-native's OIDC in the same job: the secret the project configured stays the credential.
    assert.match(
      String(
        (credentialFor(own, { ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "azure-native-token" }) as CachedCredential)
          .description,
      ),
      /client secret/,
    );
    // A passwordless .pfx the project configured opens even with azure-native's ARM_CLIENT_CERTIFICATE_PASSWORD around.
    const pfx = join(dir, "partnercenter.pfx");
    writeFileSync(
      pfx,
      buildPfx({ certificates: [TEST_CLIENT_CERTIFICATE], keys: [TEST_CLIENT_KEY], password: "", scheme: "aes-256" }),
    );
    const certificate = credentialFor(
      {
        "partnercenter:tenantId": TENANT,
        "partnercenter:clientId": CLIENT,
        "partnercenter:clientCertificatePath": pfx,
      },
      { ARM_CLIENT_CERTIFICATE_PASSWORD: "azure-native-pfx-password" },
    );
    assert.match(String((certificate as CachedCredential).description), /the certificate of app/);
    // With ARM_USE_OIDC and nothing of the project's own, what is configured comes before the CI's own (GitHub's token).
    const app = { ARM_TENANT_ID: TENANT, ARM_CLIENT_ID: CLIENT };
    const github = { ACTIONS_ID_TOKEN_REQUEST_URL: "https://gh.example/token", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "r" };
    assert.match(
      String(
        (
          credentialFor(
            {},
            { ...app, ...github, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "esc-token" },
          ) as CachedCredential
        ).description,
      ),
      /the OIDC token from environment variable ARM_OIDC_TOKEN/,
    );
  });

  it("an OIDC request URL set on purpose is a configured credential, labelled by its source, and must be https", () => {
    const app = { ARM_TENANT_ID: TENANT, ARM_CLIENT_ID: CLIENT };
    assert.throws(
      () =>
        credentialFor(
          { "partnercenter:oidcRequestUrl": "https://gh.example/token", "partnercenter:oidcRequestToken": "r" },
          { ...app, AZURE_CLIENT_SECRET: "s" },
        ),
      /Conflicting Partner Center credentials: clientSecret \(from environment variable AZURE_CLIENT_SECRET\) and githubOidc \(from stack config partnercenter:oidcRequestUrl\)/,
    );
    // azure-native's ARM_CLIENT_SECRET beside it is another tool's: the project's own setting is the credential.
    assert.match(
      String(
        (
          credentialFor(
            { "partnercenter:oidcRequestUrl": "https://gh.example/token", "partnercenter:oidcRequestToken": "r" },
            { ...app, ARM_CLIENT_SECRET: "s" },
          ) as CachedCredential
        ).description,
      ),
      /GitHub Actions OIDC token/,
    );
    assert.throws(
      () =>
        credentialFor({}, { ...app, ARM_OIDC_REQUEST_URL: "http://token.example/req", ARM_OIDC_REQUEST_TOKEN: "r" }),
      /Setting environment variable ARM_OIDC_REQUEST_URL: "http:\/\/token.example\/req" is not an https URL; the OIDC request token is sent only over https/,
    );
    // The same GUID in two cases is one value, not a conflict.
    assert.equal(
      resolveSettings(undefined, { AZURE_CLIENT_ID: CLIENT.toUpperCase(), ARM_CLIENT_ID: CLIENT }).credentials.clientId
        ?.origin,
      "environment variable AZURE_CLIENT_ID",
    );
  });

  it("Azure Pipelines: the service connection from config, ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID or an AzureCLI@2 task; clear errors without SYSTEM_OIDCREQUESTURI or SYSTEM_ACCESSTOKEN", () => {
    const app = { ARM_TENANT_ID: TENANT, ARM_CLIENT_ID: CLIENT };
    const connection = "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f";
    const job = {
      SYSTEM_OIDCREQUESTURI:
        "https://dev.azure.com/contoso/1a2b/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken",
      SYSTEM_ACCESSTOKEN: "system-access-token-value",
    };
    assert.match(
      String(
        (credentialFor({}, { ...app, ...job, ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID: connection }) as CachedCredential)
          .description,
      ),
      new RegExp(`the Azure DevOps service connection ${connection}`),
    );
    assert.match(
      String(
        (credentialFor({ "partnercenter:adoServiceConnectionId": connection }, { ...app, ...job }) as CachedCredential)
          .description,
      ),
      /Azure DevOps service connection/,
    );
    assert.throws(
      () =>
        credentialFor(
          {},
          {
            ...app,
            SYSTEM_OIDCREQUESTURI: job.SYSTEM_OIDCREQUESTURI,
            ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID: connection,
          },
        ),
      /needs SYSTEM_ACCESSTOKEN, which a pipeline never exposes on its own: add "env: SYSTEM_ACCESSTOKEN: \$\(System.AccessToken\)"/,
    );
    assert.throws(
      () => credentialFor({}, { ...app, SYSTEM_ACCESSTOKEN: "x", ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID: connection }),
      /needs SYSTEM_OIDCREQUESTURI, which every Azure Pipelines job sets/,
    );
    assert.throws(
      () => credentialFor({}, { ...app, ...job, ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID: "my-connection" }),
      /"my-connection" is not an Azure DevOps service connection id/,
    );
    // An AzureCLI@2 task sets AZURESUBSCRIPTION_SERVICE_CONNECTION_ID around every step: used only when nothing else is configured.
    assert.match(
      String(
        (credentialFor({}, { ...app, ...job, AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: connection }) as CachedCredential)
          .description,
      ),
      /Azure DevOps service connection/,
    );
    assert.match(
      String(
        (
          credentialFor(
            {},
            { ...app, ...job, AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: connection, ARM_CLIENT_SECRET: "s" },
          ) as CachedCredential
        ).description,
      ),
      /client secret/,
    );
  });

  it("computes the certificate's SHA-256 thumbprint and sends the chain as x5c", () => {
    const certificate = readClientCertificate(
      { value: new Secret(`${TEST_CLIENT_CERTIFICATE}${TEST_CLIENT_KEY}`), origin: "test" },
      false,
    );
    // The thumbprint is the SHA-256 of the certificate's DER, worked out here from the PEM's base64 by hand.
    const der = Buffer.from(TEST_CLIENT_CERTIFICATE.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ""), "base64");
    assert.equal(certificate.thumbprintSha256, createHash("sha256").update(der).digest("hex"));
    assert.match(certificate.x5c, /^-----BEGIN CERTIFICATE-----/);
    assert.match(certificate.privateKey, /^-----BEGIN PRIVATE KEY-----/);
  });

  it("an encrypted private key with no password set is named as such, not reported missing", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const encrypted = privateKey
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "not-given" })
      .toString();
    assert.throws(
      () =>
        readClientCertificate(
          {
            value: new Secret(`${TEST_CLIENT_CERTIFICATE}${encrypted}`),
            origin: "stack config partnercenter:clientCertificate",
          },
          false,
        ),
      /^SettingsError: Setting stack config partnercenter:clientCertificate: the private key is encrypted and no password is set: set stack config partnercenter:clientCertificatePassword .* or give the key unencrypted/,
    );
    assert.throws(
      () => readClientCertificate({ value: new Secret(TEST_CLIENT_CERTIFICATE), origin: "test" }, false),
      /found 1 certificate\(s\) and no private key/,
    );
  });

  it("the cloud chooses the authority, and an authority must be https", () => {
    assert.equal(resolveSettings({ get: () => undefined }, {}).credentials.authority, CLOUD_AUTHORITIES.public);
    assert.equal(
      resolveSettings({ get: (k) => (k === "partnercenter:cloud" ? "usgov" : undefined) }, {}).credentials.authority,
      "https://login.microsoftonline.us",
    );
    assert.throws(
      () => resolveSettings({ get: (k) => (k === "partnercenter:cloud" ? "china" : undefined) }, {}),
      /"china" is not a cloud; use public or usgov/,
    );
    assert.throws(
      () =>
        resolveSettings({ get: (k) => (k === "partnercenter:authority" ? "http://login.example.com" : undefined) }, {}),
      /is not an https URL/,
    );
  });
});

describe("the token cache", () => {
  function counting(clock: FakeClock, lifetimeMs = 3_600_000) {
    const calls: boolean[] = [];
    let release: (() => void) | undefined;
    const credential = new CachedCredential(
      "test",
      async (force) => {
        calls.push(force);
        await new Promise<void>((resolve) => (release = resolve));
        return { accessToken: `token-${calls.length}`, expiresOn: clock.now() + lifetimeMs };
      },
      clock,
    );
    return { credential, calls, release: () => release?.() };
  }

  it("shares one acquisition among concurrent callers, then serves the cached token", async () => {
    const clock = new FakeClock();
    const { credential, calls, release } = counting(clock);
    const waiting = Array.from({ length: 50 }, () => credential.getToken());
    await flush();
    release();
    const tokens = await Promise.all(waiting);
    assert.equal(calls.length, 1);
    assert.ok(tokens.every((token) => token.reveal() === "token-1"));
    assert.equal((await credential.getToken()).reveal(), "token-1");
    assert.equal(credential.acquisitions, 1);
  });

  it("renews five minutes before expiry, and bypasses caches after a 401", async () => {
    const clock = new FakeClock();
    const { credential, calls, release } = counting(clock);
    const first = credential.getToken();
    await flush();
    release();
    await first;
    await clock.advance(3_600_000 - 5 * 60_000 - 1);
    assert.equal((await credential.getToken()).reveal(), "token-1", "still more than five minutes left");
    await clock.advance(1);
    const renewed = credential.getToken();
    await flush();
    release();
    assert.equal((await renewed).reveal(), "token-2");
    assert.equal(credential.invalidate(), true);
    const forced = credential.getToken();
    await flush();
    release();
    await forced;
    assert.deepEqual(calls, [false, false, true]);
  });
});
