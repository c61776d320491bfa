/**
 * Builds PKCS#12 (.pfx) bundles at test time, as the common writers do, so
 * that no binary fixture is committed. Written from RFC 7292 with Node's own
 * crypto (and node-forge's RC2, which OpenSSL 3 keeps in its legacy provider,
 * out of Node's reach), independently of the provider's reader; each scheme's
 * output was checked once with `openssl pkcs12 -info`.
 */
import {
  createCipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  pbkdf2Sync,
  randomBytes,
  X509Certificate,
} from "node:crypto";
import * as forge from "node-forge";

/**
 * How the bundle is protected:
 * - `aes-256`: PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC) for keys and
 *   certificates, SHA-256 MAC: `openssl pkcs12 -export` since OpenSSL 3;
 * - `legacy`: keys in 3DES, certificates in 40-bit RC2, SHA-1 MAC: OpenSSL 1.x
 *   (and `-legacy`);
 * - `3des`: keys and certificates in 3DES, SHA-1 MAC: Windows before 2019;
 * - `none`: nothing encrypted (`-keypbe NONE -certpbe NONE`).
 */
export type PfxScheme = "aes-256" | "legacy" | "3des" | "none";

/** What goes into a bundle. */
export interface PfxOptions {
  /** Certificates (PEM), in the bundle's order. */
  readonly certificates: readonly string[];
  /** Private keys (PEM), in the bundle's order. */
  readonly keys: readonly string[];
  /** The password; `null` is "no password" as .NET writes it (no bytes at all), `""` as OpenSSL does (a terminator). */
  readonly password: string | null;
  readonly scheme: PfxScheme;
  /** Whether to add the MAC (integrity check); by default, unless the scheme is `none`. */
  readonly mac?: boolean;
  /** Whether the certificates are encrypted too; by default, as the scheme's writer does. */
  readonly encryptCertificates?: boolean;
  /** The key derivations' iteration count; 2048 (OpenSSL's) by default. */
  readonly iterations?: number;
}

/** A DER element: tag, length, content. */
function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  let length: Buffer;
  if (body.length < 0x80) length = Buffer.from([body.length]);
  else {
    const bytes: number[] = [];
    for (let n = body.length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, body]);
}
const sequence = (...content: Buffer[]): Buffer => tlv(0x30, ...content);
const octets = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const explicit0 = (...content: Buffer[]): Buffer => tlv(0xa0, ...content);
const NULL = Buffer.from([0x05, 0x00]);
function integer(value: number): Buffer {
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  if (bytes.length === 0 || bytes[0]! >= 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}
function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const bytes: number[] = [];
  for (const arc of [first! * 40 + second!, ...rest]) {
    const groups = [arc & 0x7f];
    for (let n = arc >>> 7; n > 0; n >>>= 7) groups.unshift((n & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}
const contentInfo = (type: string, content: Buffer): Buffer => sequence(oid(type), explicit0(content));

/** RFC 7292 appendix B.2: the key (id 1), IV (id 2) or MAC key (id 3) from a password in UTF-16BE with a terminator. */
export function pkcs12Kdf(
  password: string | null,
  salt: Buffer,
  id: number,
  iterations: number,
  length: number,
  hash: "sha1" | "sha256",
): Buffer {
  const u = hash === "sha1" ? 20 : 32;
  const v = 64;
  const pass =
    password === null ? Buffer.alloc(0) : Buffer.concat([Buffer.from(password, "utf16le").swap16(), Buffer.alloc(2)]);
  const stretch = (bytes: Buffer, to: number): Buffer =>
    Buffer.from(Array.from({ length: to }, (_, i) => bytes[i % bytes.length]!));
  const input = Buffer.concat([
    stretch(salt, v * Math.ceil(salt.length / v)),
    stretch(pass, v * Math.ceil(pass.length / v)),
  ]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let a = createHash(hash).update(Buffer.alloc(v, id)).update(input).digest();
    for (let round = 1; round < iterations; round++) a = createHash(hash).update(a).digest();
    out.push(a);
    const b = stretch(a, v);
    // Each v-byte block of the input becomes (block + b + 1) mod 2^(8v).
    for (let block = 0; block < input.length; block += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = input[block + k]! + b[k]! + carry;
        input[block + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, length);
}

/** Encrypts with a password-based scheme; returns the AlgorithmIdentifier and the ciphertext. */
function encrypt(
  cipher: "aes-256" | "3des" | "rc2-40",
  plain: Buffer,
  password: string | null,
  iterations: number,
): { algorithm: Buffer; encrypted: Buffer } {
  const salt = randomBytes(8);
  if (cipher === "aes-256") {
    const iv = randomBytes(16);
    // PBES2 takes the password as UTF-8 (RFC 9579), unlike the PKCS#12 ciphers.
    const key = pbkdf2Sync(Buffer.from(password ?? "", "utf8"), salt, iterations, 32, "sha256");
    const c = createCipheriv("aes-256-cbc", key, iv);
    const kdf = sequence(
      oid("1.2.840.113549.1.5.12"),
      sequence(octets(salt), integer(iterations), sequence(oid("1.2.840.113549.2.9"), NULL)),
    );
    return {
      algorithm: sequence(
        oid("1.2.840.113549.1.5.13"),
        sequence(kdf, sequence(oid("2.16.840.1.101.3.4.1.42"), octets(iv))),
      ),
      encrypted: Buffer.concat([c.update(plain), c.final()]),
    };
  }
  const params = sequence(octets(salt), integer(iterations));
  const key = pkcs12Kdf(password, salt, 1, iterations, cipher === "3des" ? 24 : 5, "sha1");
  const iv = pkcs12Kdf(password, salt, 2, iterations, 8, "sha1");
  if (cipher === "3des") {
    const c = createCipheriv("des-ede3-cbc", key, iv);
    return {
      algorithm: sequence(oid("1.2.840.113549.1.12.1.3"), params),
      encrypted: Buffer.concat([c.update(plain), c.final()]),
    };
  }
  const rc2 = forge.rc2.createEncryptionCipher(key.toString("latin1"), 40);
  rc2.start(iv.toString("latin1"));
  rc2.update(forge.util.createBuffer(plain.toString("latin1")));
  rc2.finish();
  return {
    algorithm: sequence(oid("1.2.840.113549.1.12.1.6"), params),
    encrypted: Buffer.from(rc2.output.getBytes(), "latin1"),
  };
}

/** A bundle's bytes (DER), built as {@link PfxOptions} says. */
export function buildPfx(options: PfxOptions): Buffer {
  const { scheme, password, iterations = 2048 } = options;
  const keyCipher = scheme === "aes-256" ? "aes-256" : scheme === "none" ? undefined : "3des";
  const certCipher =
    options.encryptCertificates === false
      ? undefined
      : scheme === "aes-256"
        ? "aes-256"
        : scheme === "legacy"
          ? "rc2-40"
          : scheme === "3des"
            ? "3des"
            : undefined;
  const certBags = options.certificates.map((pem) =>
    sequence(
      oid("1.2.840.113549.1.12.10.1.3"),
      explicit0(sequence(oid("1.2.840.113549.1.9.22.1"), explicit0(octets(new X509Certificate(pem).raw)))),
    ),
  );
  const keyBags = options.keys.map((pem) => {
    const pkcs8 = createPrivateKey(pem).export({ type: "pkcs8", format: "der" });
    if (!keyCipher) return sequence(oid("1.2.840.113549.1.12.10.1.1"), explicit0(pkcs8));
    const { algorithm, encrypted } = encrypt(keyCipher, pkcs8, password, iterations);
    return sequence(oid("1.2.840.113549.1.12.10.1.2"), explicit0(sequence(algorithm, octets(encrypted))));
  });
  const certSafe = sequence(...certBags);
  let certInfo: Buffer;
  if (!certCipher) certInfo = contentInfo("1.2.840.113549.1.7.1", octets(certSafe));
  else {
    const { algorithm, encrypted } = encrypt(certCipher, certSafe, password, iterations);
    // EncryptedData: version 0, EncryptedContentInfo { data, algorithm, [0] IMPLICIT ciphertext }.
    certInfo = contentInfo(
      "1.2.840.113549.1.7.6",
      sequence(integer(0), sequence(oid("1.2.840.113549.1.7.1"), algorithm, tlv(0x80, encrypted))),
    );
  }
  const authSafe = sequence(certInfo, contentInfo("1.2.840.113549.1.7.1", octets(sequence(...keyBags))));
  const parts = [integer(3), contentInfo("1.2.840.113549.1.7.1", octets(authSafe))];
  if (options.mac ?? scheme !== "none") {
    const hash = scheme === "aes-256" ? "sha256" : "sha1";
    const salt = randomBytes(8);
    const key = pkcs12Kdf(password, salt, 3, iterations, hash === "sha1" ? 20 : 32, hash);
    const mac = createHmac(hash, key).update(authSafe).digest();
    const digestOid = hash === "sha1" ? "1.3.14.3.2.26" : "2.16.840.1.101.3.4.2.1";
    parts.push(sequence(sequence(sequence(oid(digestOid), NULL), octets(mac)), octets(salt), integer(iterations)));
  }
  return sequence(...parts);
}
