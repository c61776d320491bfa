import { strict as assert } from "node:assert";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvHttpProxyAgent } from "undici";
import { TEST_CLIENT_CERTIFICATE, TEST_CLIENT_KEY } from "pulumi-partnercenter/emulator";
import { CachedCredential, StaticTokenCredential } from "../../provider/client/auth";
import { readClientCertificate } from "../../provider/credentialFiles";
import { credentialFromSettings } from "../../provider/credentials";
import { Secret } from "../../provider/secret";
import { CLOUD_AUTHORITIES, resolveSettings, SettingsError } from "../../provider/settings";
import { FakeClock, flush } from "../support/fakeClock";

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

  it("with nothing configured, lists what can be set", () => {
    assert.throws(() => credentialFor({}), (error: Error) =>
      error instanceof SettingsError &&
      ["partnercenter:accessToken", "partnercenter:clientSecret", "partnercenter:clientCertificatePath", "partnercenter:federatedTokenFile", "partnercenter:refreshToken", "id-token: write"].every((part) => error.message.includes(part)));
  });

  it("refuses two conflicting modes, naming where each came from", () => {
    assert.throws(
      () => credentialFor({ "partnercenter:clientSecret": "s", "partnercenter:tenantId": TENANT, "partnercenter:clientId": CLIENT }, { AZURE_CLIENT_CERTIFICATE_PATH: "/x.pem" }),
      /Conflicting Partner Center credentials: clientSecret \(from stack config partnercenter:clientSecret\) and clientCertificate \(from environment variable AZURE_CLIENT_CERTIFICATE_PATH\); keep one, or choose with partnercenter:auth/,
    );
  });

  it("an access token takes part in the same choice, named by where it came from", () => {
    assert.throws(
      () => credentialFor({ "partnercenter:clientSecret": "s", "partnercenter:tenantId": TENANT, "partnercenter:clientId": CLIENT }, { PARTNERCENTER_ACCESS_TOKEN: "t" }),
      /Conflicting Partner Center credentials: accessToken \(from environment variable PARTNERCENTER_ACCESS_TOKEN\) and clientSecret \(from stack config partnercenter:clientSecret\)/,
    );
  });

  it("partnercenter:auth picks one of several", () => {
    const credential = credentialFor({ "partnercenter:auth": "accessToken", "partnercenter:accessToken": "t", "partnercenter:clientSecret": "s" });
    assert.ok(credential instanceof StaticTokenCredential);
    assert.throws(() => credentialFor({ "partnercenter:auth": "kerberos" }), /"kerberos" is not a way to authenticate; use one of accessToken, clientSecret/);
  });

  it("a refresh token with a client secret is App+User, not a conflict", () => {
    const credential = credentialFor({ "partnercenter:refreshToken": "rt", "partnercenter:clientSecret": "s", "partnercenter:tenantId": TENANT, "partnercenter:clientId": CLIENT });
    assert.match(credential.description, /the refresh token for app/);
  });

  it("a missing tenant or client id is named with every place it can be set", () => {
    assert.throws(() => credentialFor({ "partnercenter:clientSecret": "s" }), /The clientSecret credential needs stack config partnercenter:tenantId \(or PARTNERCENTER_TENANT_ID \/ AZURE_TENANT_ID\) and stack config partnercenter:clientId \(or PARTNERCENTER_CLIENT_ID \/ AZURE_CLIENT_ID\)/);
    assert.throws(() => credentialFor({ "partnercenter:clientSecret": "s", "partnercenter:tenantId": TENANT, "partnercenter:clientId": "my-app" }), /"my-app" is not a client \(application\) id, a GUID/);
  });

  it("an unreadable certificate or token file fails before any request", () => {
    const ids = { "partnercenter:tenantId": TENANT, "partnercenter:clientId": CLIENT };
    assert.throws(() => credentialFor({ ...ids, "partnercenter:clientCertificatePath": join(dir, "missing.pem") }), /stack config partnercenter:clientCertificatePath: the certificate file ".*missing.pem" cannot be read \(ENOENT\)/);
    writeFileSync(join(dir, "cert-only.pem"), TEST_CLIENT_CERTIFICATE);
    assert.throws(() => credentialFor({ ...ids, "partnercenter:clientCertificatePath": join(dir, "cert-only.pem") }), /expected PEM with a certificate and an unencrypted private key, found 1 certificate\(s\) and no private key/);
    assert.throws(() => credentialFor(ids, { AZURE_FEDERATED_TOKEN_FILE: join(dir, "no-token") }), /environment variable AZURE_FEDERATED_TOKEN_FILE: the federated token file ".*no-token" cannot be read \(ENOENT\)/);
    assert.throws(() => credentialFor({ ...ids, "partnercenter:auth": "githubOidc" }), /ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: give the job "permissions: id-token: write"/);
  });

  it("GitHub Actions OIDC is used only when nothing else is configured", () => {
    const github = { ACTIONS_ID_TOKEN_REQUEST_URL: "https://127.0.0.1:1/x?api-version=2.0", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t", AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT };
    assert.match(credentialFor({}, github).description, /GitHub Actions OIDC token/);
    assert.ok(credentialFor({ "partnercenter:accessToken": "t" }, github) instanceof StaticTokenCredential);
  });

  it("computes the certificate's SHA-256 thumbprint and sends the chain as x5c", () => {
    const certificate = readClientCertificate({ value: new Secret(`${TEST_CLIENT_CERTIFICATE}${TEST_CLIENT_KEY}`), origin: "test" }, false);
    // The thumbprint is the SHA-256 of the certificate's DER, worked out here from the PEM's base64 by hand.
    const der = Buffer.from(TEST_CLIENT_CERTIFICATE.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ""), "base64");
    assert.equal(certificate.thumbprintSha256, createHash("sha256").update(der).digest("hex"));
    assert.match(certificate.x5c, /^-----BEGIN CERTIFICATE-----/);
    assert.match(certificate.privateKey, /^-----BEGIN PRIVATE KEY-----/);
  });

  it("an encrypted private key with no password set is named as such, not reported missing", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const encrypted = privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "not-given" }).toString();
    assert.throws(() => readClientCertificate({ value: new Secret(`${TEST_CLIENT_CERTIFICATE}${encrypted}`), origin: "stack config partnercenter:clientCertificate" }, false), /^SettingsError: Setting stack config partnercenter:clientCertificate: the private key is encrypted and no password is set: set partnercenter:clientCertificatePassword .* or give the key unencrypted/);
    assert.throws(() => readClientCertificate({ value: new Secret(TEST_CLIENT_CERTIFICATE), origin: "test" }, false), /found 1 certificate\(s\) and no private key/);
  });

  it("the cloud chooses the authority, and an authority must be https", () => {
    assert.equal(resolveSettings({ get: () => undefined }, {}).credentials.authority, CLOUD_AUTHORITIES.public);
    assert.equal(resolveSettings({ get: (k) => (k === "partnercenter:cloud" ? "usgov" : undefined) }, {}).credentials.authority, "https://login.microsoftonline.us");
    assert.throws(() => resolveSettings({ get: (k) => (k === "partnercenter:cloud" ? "china" : undefined) }, {}), /"china" is not a cloud; use public or usgov/);
    assert.throws(() => resolveSettings({ get: (k) => (k === "partnercenter:authority" ? "http://login.example.com" : undefined) }, {}), /is not an https URL/);
  });
});

describe("the token cache", () => {
  function counting(clock: FakeClock, lifetimeMs = 3_600_000) {
    const calls: boolean[] = [];
    let release: (() => void) | undefined;
    const credential = new CachedCredential("test", async (force) => {
      calls.push(force);
      await new Promise<void>((resolve) => (release = resolve));
      return { accessToken: `token-${calls.length}`, expiresOn: clock.now() + lifetimeMs };
    }, clock);
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
