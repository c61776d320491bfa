/**
 * The client certificate as partners have it: PEM, a PKCS#12 (.pfx/.p12)
 * bundle with or without a password (as ARM_CLIENT_CERTIFICATE_PATH and
 * ARM_CLIENT_CERTIFICATE_PASSWORD give it to Terraform's azurerm and Pulumi's
 * azure-native), or PEM with an encrypted key. Bundles are built here, at
 * test time, from the emulator's test certificate and key.
 */
import { strict as assert } from "node:assert";
import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as forge from "node-forge";
import { TEST_CLIENT_CERTIFICATE, TEST_CLIENT_KEY } from "pulumi-partnercenter/emulator";
import { EMULATOR_CA, EMULATOR_TLS_CERTIFICATE, EMULATOR_TLS_KEY } from "../../emulator/entra/testPki";
import type { ClientCertificate } from "../../provider/client/auth/msalCredentials";
import { readClientCertificate } from "../../provider/settings/credentialFiles";
import { redactSecrets, Secret } from "../../provider/shared/secret";
import { buildPfx, type PfxScheme } from "../support/pkcs12";
import { SettingsError } from "../../provider/shared/errors";

const CERTIFICATE_SETTING = "environment variable AZURE_CLIENT_CERTIFICATE_PATH";
const PASSWORD_SETTING = "environment variable ARM_CLIENT_CERTIFICATE_PASSWORD";
const PASSWORD = "pfx-canary-password-3f9a";
const PEM_BUNDLE = `${TEST_CLIENT_CERTIFICATE}${TEST_CLIENT_KEY}`;
const WHERE_TO_SET =
  "set stack config partnercenter:clientCertificatePassword (or PARTNERCENTER_CLIENT_CERTIFICATE_PASSWORD / AZURE_CLIENT_CERTIFICATE_PASSWORD / ARM_CLIENT_CERTIFICATE_PASSWORD)";

/** What the PEM path reads from the same certificate and key: what every other form must give. */
function fromPem(): ClientCertificate {
  return readClientCertificate({ value: new Secret(PEM_BUNDLE), origin: "test" }, false);
}

const passwordFrom = (password: string | undefined) =>
  password === undefined ? undefined : { value: new Secret(password), origin: PASSWORD_SETTING };

describe("a client certificate as PKCS#12 (.pfx/.p12)", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "pc-pfx-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes the bytes to a file and reads it as the certificate setting, with the password if given. */
  function read(bytes: Buffer | string, password?: string, name = "client.pfx"): ClientCertificate {
    writeFileSync(join(dir, name), bytes);
    return readClientCertificate({ value: join(dir, name), origin: CERTIFICATE_SETTING }, true, passwordFrom(password));
  }

  const testPfx = (scheme: PfxScheme, password: string | null = PASSWORD, mac?: boolean) =>
    buildPfx({
      certificates: [TEST_CLIENT_CERTIFICATE],
      keys: [TEST_CLIENT_KEY],
      password,
      scheme,
      ...(mac === undefined ? {} : { mac }),
    });

  for (const [scheme, what] of [
    ["aes-256", "AES-256 with a SHA-256 MAC (openssl pkcs12 -export since OpenSSL 3)"],
    ["legacy", "3DES keys, RC2-40 certificates, SHA-1 MAC (OpenSSL 1.x, -legacy)"],
    ["3des", "3DES throughout (Windows before 2019)"],
  ] as const) {
    it(`${what}: the same thumbprint, x5c and key as the PEM of the same certificate`, () => {
      const pem = fromPem();
      assert.deepEqual(read(testPfx(scheme), PASSWORD), pem);
      assert.match(pem.x5c, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/);
    });
  }

  it("as node-forge writes it (3DES key, certificate unencrypted, SHA-1 MAC): the same as the PEM", () => {
    const asn1 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(TEST_CLIENT_KEY),
      [forge.pki.certificateFromPem(TEST_CLIENT_CERTIFICATE)],
      PASSWORD,
      { algorithm: "3des" },
    );
    assert.deepEqual(read(Buffer.from(forge.asn1.toDer(asn1).getBytes(), "latin1"), PASSWORD), fromPem());
  });

  it("an empty password, written either way (OpenSSL's empty string, .NET's none), opens with no password set or an empty one", () => {
    const pem = fromPem();
    for (const scheme of ["aes-256", "legacy"] as const) {
      for (const written of ["", null]) {
        assert.deepEqual(
          read(testPfx(scheme, written)),
          pem,
          `${scheme}, written as ${JSON.stringify(written)}, no password set`,
        );
        assert.deepEqual(
          read(testPfx(scheme, written), ""),
          pem,
          `${scheme}, written as ${JSON.stringify(written)}, an empty password set`,
        );
      }
    }
  });

  it("an unencrypted bundle without a MAC needs no password, and one set does no harm", () => {
    assert.deepEqual(read(testPfx("none")), fromPem());
    assert.deepEqual(read(testPfx("none"), PASSWORD), fromPem());
  });

  it("a password beyond ASCII: UTF-8 for AES (PBES2), UTF-16 for the MAC and the legacy ciphers, as OpenSSL writes them", () => {
    const password = "pässwörd-€-ключ";
    assert.deepEqual(read(testPfx("aes-256", password), password), fromPem());
    assert.deepEqual(read(testPfx("legacy", password), password), fromPem());
  });

  it("is told from PEM by its content, not by the file's name", () => {
    assert.deepEqual(read(testPfx("aes-256"), PASSWORD, "client.pem"), fromPem());
    assert.deepEqual(read(PEM_BUNDLE, PASSWORD, "client.pfx"), fromPem());
  });

  it("a wrong password names the setting and where the password came from, and the fix; never the password", () => {
    const wrong = "wrong-canary-password-77c1";
    // With a MAC (the password fails its check), without one (the decryption fails), and with a MAC alone (nothing encrypted).
    for (const bundle of [
      testPfx("aes-256"),
      testPfx("legacy"),
      testPfx("aes-256", PASSWORD, false),
      testPfx("none", PASSWORD, true),
    ]) {
      const file = join(dir, "client.pfx");
      assert.throws(
        () => read(bundle, wrong),
        (error: Error) => {
          assert.ok(error instanceof SettingsError);
          assert.equal(
            error.message,
            `Setting ${CERTIFICATE_SETTING}: the PKCS#12 (PFX) file ${JSON.stringify(file)} does not open with the password from ${PASSWORD_SETTING}: set ${PASSWORD_SETTING} to the password it was exported with`,
          );
          assert.ok(!error.message.includes(wrong) && !error.message.includes(PASSWORD));
          return true;
        },
      );
    }
  });

  it("a password-protected bundle with no password set says where to set one", () => {
    assert.throws(
      () => read(testPfx("aes-256")),
      (error: Error) => {
        assert.equal(
          error.message,
          `Setting ${CERTIFICATE_SETTING}: the PKCS#12 (PFX) file ${JSON.stringify(join(dir, "client.pfx"))} is protected by a password and none is set: ${WHERE_TO_SET} to it, as a secret`,
        );
        return true;
      },
    );
  });

  it("a bundle without a private key is refused, saying how to export one with it", () => {
    const bundle = buildPfx({
      certificates: [TEST_CLIENT_CERTIFICATE],
      keys: [],
      password: PASSWORD,
      scheme: "aes-256",
    });
    assert.throws(
      () => read(bundle, PASSWORD),
      /^SettingsError: Setting environment variable AZURE_CLIENT_CERTIFICATE_PATH: the PKCS#12 \(PFX\) file ".*client.pfx" holds 1 certificate\(s\) and no private key: export the certificate with its private key \(openssl pkcs12 -export -in cert.pem -inkey key.pem; in Windows, "Yes, export the private key"\)$/,
    );
  });

  it("with several keys, the certificate of one of them is used, wherever it is, and x5c is its chain of issuers in the bundle", () => {
    const stray = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    // The CA first, an unrelated certificate, then the leaf, whose key comes second.
    const bundle = buildPfx({
      certificates: [EMULATOR_CA, TEST_CLIENT_CERTIFICATE, EMULATOR_TLS_CERTIFICATE],
      keys: [stray, EMULATOR_TLS_KEY],
      password: PASSWORD,
      scheme: "aes-256",
    });
    const chain = readClientCertificate(
      { value: new Secret(`${EMULATOR_TLS_CERTIFICATE}${EMULATOR_CA}${EMULATOR_TLS_KEY}`), origin: "test" },
      false,
    );
    const certificate = read(bundle, PASSWORD);
    assert.deepEqual(certificate, chain, "the leaf's thumbprint and key, then the CA: the PEM of the same chain");
    assert.equal(
      certificate.x5c.match(/BEGIN CERTIFICATE/g)?.length,
      2,
      "the unrelated certificate is not in the chain",
    );
  });

  it("several keys and no certificate of any of them is refused", () => {
    const bundle = buildPfx({
      certificates: [EMULATOR_CA],
      keys: [TEST_CLIENT_KEY, EMULATOR_TLS_KEY],
      password: PASSWORD,
      scheme: "aes-256",
    });
    assert.throws(
      () => read(bundle, PASSWORD),
      /the PKCS#12 \(PFX\) file ".*client.pfx" holds 1 certificate\(s\) and 2 private key\(s\), and no certificate is that of a private key in it: export the certificate together with its own private key$/,
    );
  });

  it("the password and the private key are redacted from any message", () => {
    // A key and certificate of this test alone: no other test has read (and so registered) them.
    const keys = forge.pki.rsa.generateKeyPair(2048);
    const own = forge.pki.createCertificate();
    own.publicKey = keys.publicKey;
    own.validity.notAfter.setFullYear(own.validity.notBefore.getFullYear() + 1);
    own.setSubject([{ name: "commonName", value: "redaction test" }]);
    own.setIssuer(own.subject.attributes);
    own.sign(keys.privateKey, forge.md.sha256.create());
    const password = `pfx-redaction-${randomBytes(8).toString("hex")}`;
    const certificate = read(
      buildPfx({
        certificates: [forge.pki.certificateToPem(own)],
        keys: [forge.pki.privateKeyToPem(keys.privateKey)],
        password,
        scheme: "aes-256",
      }),
      password,
    );
    const keyLine = certificate.privateKey.split("\n")[1]!;
    assert.equal(
      redactSecrets(`Entra said: ${password} / ${certificate.privateKey} / ${keyLine}`),
      "Entra said: [secret] / [secret] / [secret]",
    );
  });

  it("a file that is neither PEM nor PKCS#12, or a damaged bundle, is refused naming the setting", () => {
    assert.throws(
      () => read(randomBytes(512)),
      /^SettingsError: Setting environment variable AZURE_CLIENT_CERTIFICATE_PATH: expected PEM with a certificate and a private key, or a PKCS#12 \(.pfx\/.p12\) bundle, found no certificate and no private key$/,
    );
    const bundle = testPfx("aes-256");
    assert.throws(
      () => read(bundle.subarray(0, bundle.length - 40), PASSWORD),
      /^SettingsError: Setting environment variable AZURE_CLIENT_CERTIFICATE_PATH: the PKCS#12 \(PFX\) file ".*client.pfx" cannot be read: its content is not valid DER \(/,
    );
    // Well-formed, but with an iteration count of 0, which no key derivation takes.
    const zero = buildPfx({
      certificates: [TEST_CLIENT_CERTIFICATE],
      keys: [TEST_CLIENT_KEY],
      password: PASSWORD,
      scheme: "legacy",
      iterations: 0,
    });
    assert.throws(
      () => read(zero, PASSWORD),
      /^SettingsError: Setting environment variable AZURE_CLIENT_CERTIFICATE_PATH: the PKCS#12 \(PFX\) file ".*client.pfx" cannot be read: it is damaged \(PKCS#12 key derivation iteration count must be >= 1.\)$/,
    );
  });
});

describe("a PEM client certificate whose private key is encrypted", () => {
  const encryptedKeys = {
    "PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY)": createPrivateKey(TEST_CLIENT_KEY)
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSWORD })
      .toString(),
    "traditional (Proc-Type: 4,ENCRYPTED)": createPrivateKey(TEST_CLIENT_KEY)
      .export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: PASSWORD })
      .toString(),
  };
  const read = (key: string, password?: string) =>
    readClientCertificate(
      { value: new Secret(`${TEST_CLIENT_CERTIFICATE}${key}`), origin: "stack config partnercenter:clientCertificate" },
      false,
      passwordFrom(password),
    );

  for (const [kind, key] of Object.entries(encryptedKeys)) {
    it(`${kind}: opens with the right password, as the unencrypted PEM does`, () => {
      assert.deepEqual(read(key, PASSWORD), fromPem());
    });
  }

  it("with no password set, is refused saying where to set one", () => {
    for (const key of Object.values(encryptedKeys)) {
      assert.throws(
        () => read(key),
        new RegExp(
          `^SettingsError: Setting stack config partnercenter:clientCertificate: the private key is encrypted and no password is set: ${WHERE_TO_SET.replace(/[()/]/g, "\\$&")} to its password, as a secret, or give the key unencrypted \\(openssl pkey -in key.pem -out key-plain.pem\\), kept as a secret$`,
        ),
      );
    }
  });

  it("with a wrong password, names the setting and where the password came from; never the password", () => {
    const wrong = "wrong-canary-password-77c1";
    for (const key of Object.values(encryptedKeys)) {
      assert.throws(
        () => read(key, wrong),
        (error: Error) => {
          assert.equal(
            error.message,
            `Setting stack config partnercenter:clientCertificate: the private key does not decrypt with the password from ${PASSWORD_SETTING}: set ${PASSWORD_SETTING} to the key's password`,
          );
          assert.ok(!error.message.includes(wrong));
          return true;
        },
      );
    }
  });
});
