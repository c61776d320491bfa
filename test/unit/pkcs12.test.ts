/** The PKCS#12 reader itself, below the settings' messages. */
import { strict as assert } from "node:assert";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import * as forge from "node-forge";
import { TEST_CLIENT_CERTIFICATE, TEST_CLIENT_KEY } from "pulumi-partnercenter/emulator";
import {
  MAX_PKCS12_ITERATIONS,
  Pkcs12FormatError,
  Pkcs12PasswordError,
  readPkcs12,
} from "../../provider/settings/pkcs12";
import { buildPfx } from "../support/pkcs12";

const PASSWORD = "pfx-canary-password-3f9a";

describe("reading PKCS#12", () => {
  it("gives each certificate back byte for byte, even one node-forge would rebuild otherwise: the thumbprint is of those bytes", () => {
    // The signature algorithm without its NULL parameters (DER allows both): forge's certificate parser writes the NULL back.
    const asn1 = forge.asn1.fromDer(new X509Certificate(TEST_CLIENT_CERTIFICATE).raw.toString("latin1"));
    const algorithm = asn1.value[1] as forge.asn1.Asn1;
    algorithm.value = [(algorithm.value as forge.asn1.Asn1[])[0]!];
    const certificate = new X509Certificate(Buffer.from(forge.asn1.toDer(asn1).getBytes(), "latin1"));
    const rebuilt = forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromAsn1(asn1))).getBytes();
    assert.notEqual(rebuilt, certificate.raw.toString("latin1"), "forge rebuilds it otherwise");
    const bundle = buildPfx({
      certificates: [certificate.toString()],
      keys: [TEST_CLIENT_KEY],
      password: PASSWORD,
      scheme: "aes-256",
    });
    assert.deepEqual(readPkcs12(bundle, PASSWORD).certificates, [certificate.raw]);
  });
});

describe("reading PKCS#12 without a MAC", () => {
  it("a wrong password is refused even when the padding of what it decrypted happens to fit (once in 256)", () => {
    // A small key and few iterations: 2000 wrong passwords each, so that some pass the padding check (all but certainly).
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    for (const encryptCertificates of [true, false]) {
      const bundle = buildPfx({
        certificates: [],
        keys: [key],
        password: PASSWORD,
        scheme: "aes-256",
        mac: false,
        iterations: 1,
        encryptCertificates,
      });
      assert.equal(readPkcs12(bundle, PASSWORD).keys.length, 1);
      for (let attempt = 0; attempt < 2000; attempt++) {
        assert.throws(
          () => readPkcs12(bundle, `wrong-password-${attempt}`),
          Pkcs12PasswordError,
          `${encryptCertificates ? "the certificates' part" : "the key"}, wrong password ${attempt}`,
        );
      }
    }
  });

  it("an empty password opens a bundle written with one, even when the other encoding of no password happens to fit the padding", () => {
    // The absent password is tried first (3DES: unlike PBES2, the two encodings give different keys); over 2000 bundles it all
    // but certainly fits the padding of some, and must then give way.
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    for (let bundle = 0; bundle < 2000; bundle++) {
      const pfx = buildPfx({ certificates: [], keys: [key], password: "", scheme: "3des", mac: false, iterations: 1 });
      assert.equal(readPkcs12(pfx, undefined).keys.length, 1, `bundle ${bundle}`);
    }
  });
});

describe("reading PKCS#12 with a crafted iteration count", () => {
  /** A bundle whose derivations ask for `count` iterations, the 3-byte count 65,536 written over in place. */
  function withCount(bytes: Buffer, count: number): Buffer {
    const written = Buffer.from([0x02, 0x03, 0x01, 0x00, 0x00]);
    const patched = Buffer.from(bytes);
    let at = patched.indexOf(written);
    for (let guard = 0; at >= 0 && guard < 100; guard++, at = patched.indexOf(written, at + 1))
      patched.writeUIntBE(count, at + 2, 3);
    return patched;
  }

  it("a count past MAX_PKCS12_ITERATIONS is refused before any key is derived (forge's synchronous derivation would hold the process for hours)", () => {
    const bundle = buildPfx({
      certificates: [TEST_CLIENT_CERTIFICATE],
      keys: [TEST_CLIENT_KEY],
      password: "pw-for-iterations",
      scheme: "none",
      mac: true,
      iterations: 65_536,
    });
    assert.ok(readPkcs12(bundle, "pw-for-iterations").keys.length === 1, "the bundle as written opens");
    assert.throws(
      () => readPkcs12(withCount(bundle, 0x7fffff), "pw-for-iterations"),
      (error: Error) =>
        error instanceof Pkcs12FormatError &&
        /asks for more key-derivation iterations than the 3000000 a bundle may/.test(error.message),
    );
    assert.equal(MAX_PKCS12_ITERATIONS, 3_000_000);
  });
});
