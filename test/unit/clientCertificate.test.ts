/** The client certificate as partners have it: PEM with an encrypted key, and its password. */
import { strict as assert } from "node:assert";
import { createPrivateKey } from "node:crypto";
import { TEST_CLIENT_CERTIFICATE, TEST_CLIENT_KEY } from "pulumi-partnercenter/emulator";
import type { ClientCertificate } from "../../provider/client/auth/msalCredentials";
import { readClientCertificate } from "../../provider/credentialFiles";
import { Secret } from "../../provider/secret";

const PASSWORD_SETTING = "environment variable ARM_CLIENT_CERTIFICATE_PASSWORD";
const PASSWORD = "pfx-canary-password-3f9a";
const PEM_BUNDLE = `${TEST_CLIENT_CERTIFICATE}${TEST_CLIENT_KEY}`;
const WHERE_TO_SET = "set partnercenter:clientCertificatePassword (or AZURE_CLIENT_CERTIFICATE_PASSWORD / ARM_CLIENT_CERTIFICATE_PASSWORD)";

/** What the PEM path reads from the same certificate and key: what every other form must give. */
function fromPem(): ClientCertificate {
  return readClientCertificate({ value: new Secret(PEM_BUNDLE), origin: "test" }, false);
}

const passwordFrom = (password: string | undefined) => (password === undefined ? undefined : { value: new Secret(password), origin: PASSWORD_SETTING });

describe("a PEM client certificate whose private key is encrypted", () => {
  const encryptedKeys = {
    "PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY)": createPrivateKey(TEST_CLIENT_KEY).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSWORD }).toString(),
    "traditional (Proc-Type: 4,ENCRYPTED)": createPrivateKey(TEST_CLIENT_KEY).export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: PASSWORD }).toString(),
  };
  const read = (key: string, password?: string) => readClientCertificate({ value: new Secret(`${TEST_CLIENT_CERTIFICATE}${key}`), origin: "stack config partnercenter:clientCertificate" }, false, passwordFrom(password));

  for (const [kind, key] of Object.entries(encryptedKeys)) {
    it(`${kind}: opens with the right password, as the unencrypted PEM does`, () => {
      assert.deepEqual(read(key, PASSWORD), fromPem());
    });
  }

  it("with no password set, is refused saying where to set one", () => {
    for (const key of Object.values(encryptedKeys)) {
      assert.throws(
        () => read(key),
        new RegExp(`^SettingsError: Setting stack config partnercenter:clientCertificate: the private key is encrypted and no password is set: ${WHERE_TO_SET.replace(/[()/]/g, "\\$&")} to its password, as a secret, or give the key unencrypted \\(openssl pkey -in key.pem -out key-plain.pem\\), kept as a secret$`),
      );
    }
  });

  it("with a wrong password, names the setting and where the password came from; never the password", () => {
    const wrong = "wrong-canary-password-77c1";
    for (const key of Object.values(encryptedKeys)) {
      assert.throws(() => read(key, wrong), (error: Error) => {
        assert.equal(error.message, `Setting stack config partnercenter:clientCertificate: the private key does not decrypt with the password from ${PASSWORD_SETTING}: set ${PASSWORD_SETTING} to the key's password`);
        assert.ok(!error.message.includes(wrong));
        return true;
      });
    }
  });
});
