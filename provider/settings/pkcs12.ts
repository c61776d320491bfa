/**
 * PKCS#12 (.pfx/.p12) bundles, the form Terraform's azurerm, Pulumi's
 * azure-native, Windows and Azure Key Vault give a client certificate in:
 * their certificates and private keys, opened with a password.
 *
 * Node cannot do this: `crypto` takes no PKCS#12, and `tls` loads one only
 * into a TLS context, from which the key cannot be exported (nor, under
 * OpenSSL 3, a legacy RC2 one at all). node-forge gives the ASN.1 parser and
 * the password-based ciphers (PBES2 with AES or 3DES, and the legacy PKCS#12
 * 3DES and RC2), in plain JavaScript. The structure is walked here rather than
 * by forge's `pkcs12FromAsn1`, because that one
 * - rebuilds each certificate from its parsed fields, which need not give the
 *   file's bytes back, and the thumbprint Entra ID checks is of those bytes;
 * - hands PBKDF2 the password as UTF-16 code units, where PBES2 in PKCS#12
 *   takes it as UTF-8 (what OpenSSL writes), so a non-ASCII password failed;
 * - tries an empty password one way, where writers use two (see {@link readPkcs12}).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import * as forge from "node-forge";

/** What a bundle holds, as Node reads it. */
export interface Pkcs12Contents {
  /** The X.509 certificates (DER, as stored), in the bundle's order. */
  readonly certificates: readonly Buffer[];
  /** The private keys (PKCS#8 DER), in the bundle's order. */
  readonly keys: readonly Buffer[];
}

/**
 * The bundle does not open with the password given: its MAC does not verify, or a part does not decrypt. Like
 * {@link Pkcs12FormatError}, it never leaves settings/: credentialFiles.ts turns it into a `SettingsError` that names
 * the setting, which only it knows.
 */
export class Pkcs12PasswordError extends Error {
  constructor() {
    super("the PKCS#12 bundle does not open with this password");
  }
}

/** The bytes are not a PKCS#12 bundle that can be read; the message reads as the end of a sentence. */
export class Pkcs12FormatError extends Error {}

const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  envelopedData: "1.2.840.113549.1.7.3",
  encryptedData: "1.2.840.113549.1.7.6",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  safeContentsBag: "1.2.840.113549.1.12.10.1.6",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  pbes2: "1.2.840.113549.1.5.13",
  pbmac1: "1.2.840.113549.1.5.14",
} as const;

/** The MAC digests (RFC 7292 and RFC 9579 name these), by OID: Node's name and forge's digest for the key derivation. */
const MAC_DIGESTS: Record<string, { readonly name: string; readonly create: () => forge.md.MessageDigest }> = {
  "1.3.14.3.2.26": { name: "sha1", create: () => forge.md.sha1.create() },
  "2.16.840.1.101.3.4.2.1": { name: "sha256", create: () => forge.md.sha256.create() },
  "2.16.840.1.101.3.4.2.2": { name: "sha384", create: () => forge.md.sha384.create() },
  "2.16.840.1.101.3.4.2.3": { name: "sha512", create: () => forge.md.sha512.create() },
};

/** forge's password-based cipher chooser (PBES2, PKCS#12 PBE), which its type declarations leave out. */
const pbe = (
  forge.pki as unknown as {
    pbe: { getCipher(oid: string, params: forge.asn1.Asn1, password: string | null): forge.cipher.BlockCipher };
  }
).pbe;

/** Bytes as forge takes them: a string of one character per byte. */
const binary = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");
const bytesOf = (text: string): Buffer => Buffer.from(text, "latin1");

/**
 * Whether the bytes begin as a PKCS#12 bundle does: a SEQUENCE (of any length
 * form, BER's indefinite one included) whose first element is INTEGER 3. No
 * PEM text begins so, whatever the file is called.
 */
export function looksLikePkcs12(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x30 || bytes[1] === undefined) return false;
  const start = bytes[1] <= 0x80 ? 2 : 2 + (bytes[1] & 0x7f);
  return bytes[start] === 0x02 && bytes[start + 1] === 0x01 && bytes[start + 2] === 0x03;
}

function children(node: forge.asn1.Asn1 | undefined, what: string): forge.asn1.Asn1[] {
  if (!node || !Array.isArray(node.value))
    throw new Pkcs12FormatError(`its ${what} is not the ASN.1 structure PKCS#12 defines`);
  return node.value;
}

/** An OCTET STRING's bytes (or an IMPLICIT one's): BER may cut it into chunks. */
function octets(node: forge.asn1.Asn1 | undefined, what: string): string {
  if (node && typeof node.value === "string") return node.value;
  return children(node, what)
    .map((chunk) => octets(chunk, what))
    .join("");
}

function oidOf(node: forge.asn1.Asn1 | undefined, what: string): string {
  if (!node || node.type !== forge.asn1.Type.OID || typeof node.value !== "string")
    throw new Pkcs12FormatError(`its ${what} has no algorithm or type identifier`);
  return forge.asn1.derToOid(node.value);
}

function isDer(text: string): boolean {
  // What a password opens is a SEQUENCE (a PKCS#8 key, a SafeContents) filling the whole plaintext: a few random
  // bytes a wrong password "decrypts" to would often parse as some other DER element.
  try {
    const parsed = forge.asn1.fromDer(text); // strict, and every byte parsed (forge's defaults)
    return (
      parsed.tagClass === forge.asn1.Class.UNIVERSAL && parsed.type === forge.asn1.Type.SEQUENCE && parsed.constructed
    );
  } catch {
    return false;
  }
}

function der(text: string, what: string): forge.asn1.Asn1 {
  try {
    return forge.asn1.fromDer(text);
  } catch (error) {
    throw new Pkcs12FormatError(`its ${what} is not valid DER (${(error as Error).message})`);
  }
}

/**
 * Reads the certificates and private keys of a PKCS#12 bundle (RFC 7292) in
 * password integrity and privacy mode, what every common tool writes.
 *
 * An absent or empty password tries both encodings of "no password": none at
 * all (.NET, Windows) and an empty string (`openssl pkcs12 -passout pass:`),
 * as OpenSSL does.
 *
 * @param bundle - the bundle's bytes (DER, or BER as some writers give it)
 * @param password - the password, if one was given
 * @throws {@link Pkcs12PasswordError} when it does not open with the password
 * @throws {@link Pkcs12FormatError} when it is not a bundle this can read (structure, algorithm, mode)
 */
export function readPkcs12(bundle: Uint8Array, password: string | undefined): Pkcs12Contents {
  try {
    return walk(bundle, password);
  } catch (error) {
    // forge's own refusals (an iteration count of 0, a malformed parameter) are a damaged bundle too, not a crash.
    if (error instanceof Pkcs12PasswordError || error instanceof Pkcs12FormatError) throw error;
    throw new Pkcs12FormatError(`it is damaged (${(error as Error).message})`);
  }
}

/**
 * The most key-derivation iterations one bundle may ask for, all derivations and candidate passwords together.
 * The count comes from the file, and forge derives keys in plain synchronous JavaScript (about 14 s per million
 * iterations here) that no deadline can interrupt: tools write 2,000 to 10,000 per derivation, PBKDF2 at OWASP's
 * 600,000 fits, and a crafted 2^31 would hold the process for hours.
 */
export const MAX_PKCS12_ITERATIONS = 3_000_000;

/** Counts the iterations a bundle's derivations ask for, and refuses past {@link MAX_PKCS12_ITERATIONS}. */
class IterationBudget {
  #left = MAX_PKCS12_ITERATIONS;

  /** Takes every INTEGER in `params` as an iteration count (key lengths are tiny), before anything is derived. */
  spendFor(params: forge.asn1.Asn1 | undefined, what: string): void {
    this.spend(largestInteger(params), what);
  }

  spend(count: number, what: string): void {
    if (!(count <= this.#left))
      throw new Pkcs12FormatError(
        `its ${what} asks for more key-derivation iterations than the ${MAX_PKCS12_ITERATIONS} a bundle may (a crafted count would hold the process for hours); export it again with the tool's defaults`,
      );
    this.#left -= count;
  }
}

/** The largest INTEGER anywhere under `node` (0 when none). */
function largestInteger(node: forge.asn1.Asn1 | undefined, depth = 0): number {
  if (!node || depth > 16) return 0;
  if (
    node.tagClass === forge.asn1.Class.UNIVERSAL &&
    node.type === forge.asn1.Type.INTEGER &&
    typeof node.value === "string"
  ) {
    // Four bytes or more is already past any sane count: read no further than that.
    return node.value.length > 4 ? Number.POSITIVE_INFINITY : forge.asn1.derToInteger(node.value) >>> 0;
  }
  return Array.isArray(node.value) ? Math.max(0, ...node.value.map((child) => largestInteger(child, depth + 1))) : 0;
}

function walk(bundle: Uint8Array, password: string | undefined): Pkcs12Contents {
  const budget = new IterationBudget();
  const [version, authSafe, macData] = children(der(binary(bundle), "content"), "top level");
  if (version?.value !== "\x03") throw new Pkcs12FormatError("it is not PKCS#12 version 3");
  const [contentType, content] = children(authSafe, "content");
  const type = oidOf(contentType, "content");
  if (type === OID.signedData)
    throw new Pkcs12FormatError(
      "it is protected by a public-key signature (PKCS#12 public-key integrity mode), not by a password; export it with a password",
    );
  if (type !== OID.data) throw new Pkcs12FormatError(`its content is of type ${type}, not data`);
  const safes = octets(children(content, "content")[0], "content");

  // An empty password can be two different byte strings: keep the ones that still fit.
  let candidates: (string | null)[] = password === undefined || password === "" ? [null, ""] : [password];
  if (macData) candidates = [macPassword(macData, safes, candidates, budget)];

  const contents = { certificates: [] as Buffer[], keys: [] as Buffer[] };
  /** Decrypts with the first candidate that works, which is then the only one. */
  const decrypt = (algorithm: forge.asn1.Asn1 | undefined, encrypted: string, what: string): string => {
    for (const candidate of candidates) {
      budget.spendFor(children(algorithm, what)[1], what);
      const plain = decryptWith(algorithm, encrypted, candidate, what);
      // A wrong password passes the padding check once in 256 tries; what it gives is then not DER.
      if (plain === undefined || !isDer(plain)) continue;
      candidates = [candidate];
      return plain;
    }
    throw new Pkcs12PasswordError();
  };

  for (const info of children(der(safes, "content"), "content")) {
    const [infoType, infoContent] = children(info, "content");
    const kind = oidOf(infoType, "content");
    if (kind === OID.data)
      readBags(der(octets(children(infoContent, "content")[0], "content"), "content"), decrypt, contents);
    else if (kind === OID.encryptedData) {
      // EncryptedData: version, EncryptedContentInfo { contentType, algorithm, [0] IMPLICIT encrypted content }.
      const [, encryptedInfo] = children(children(infoContent, "encrypted content")[0], "encrypted content");
      const [, algorithm, encrypted] = children(encryptedInfo, "encrypted content");
      readBags(
        der(decrypt(algorithm, octets(encrypted, "encrypted content"), "encrypted content"), "encrypted content"),
        decrypt,
        contents,
      );
    } else if (kind === OID.envelopedData)
      throw new Pkcs12FormatError(
        "part of it is encrypted to a public key (PKCS#12 public-key privacy mode), not with a password; export it with a password",
      );
    else throw new Pkcs12FormatError(`part of it is of type ${kind}, which PKCS#12 does not define`);
  }
  return contents;
}

/** The candidate password the bundle's MAC verifies with. */
function macPassword(
  macData: forge.asn1.Asn1,
  safes: string,
  candidates: (string | null)[],
  budget: IterationBudget,
): string | null {
  const [digestInfo, salt, iterations] = children(macData, "integrity check");
  const [algorithm, digest] = children(digestInfo, "integrity check");
  const algorithmOid = oidOf(children(algorithm, "integrity check")[0], "integrity check");
  if (algorithmOid === OID.pbmac1)
    throw new Pkcs12FormatError(
      "its integrity check is PBMAC1 (openssl pkcs12 -pbmac1_pbkdf2), which cannot be read here yet; export it with the default SHA-256 MAC",
    );
  const macDigest = MAC_DIGESTS[algorithmOid];
  if (!macDigest)
    throw new Pkcs12FormatError(
      `its integrity check uses the digest ${algorithmOid}, which cannot be read here; export it with a SHA-256 MAC`,
    );
  const expected = bytesOf(octets(digest, "integrity check"));
  // The iteration count is optional and defaults to 1 (RFC 7292).
  const countBytes = iterations ? octets(iterations, "integrity check") : undefined;
  const count =
    countBytes === undefined
      ? 1
      : countBytes.length > 4
        ? Number.POSITIVE_INFINITY
        : forge.asn1.derToInteger(countBytes) >>> 0;
  for (const candidate of candidates) {
    budget.spend(count, "integrity check");
    const md = macDigest.create();
    const key = forge.pkcs12.generateKey(
      candidate,
      forge.util.createBuffer(octets(salt, "integrity check")),
      3,
      count,
      md.digestLength,
      md,
    );
    const actual = createHmac(macDigest.name, bytesOf(key.getBytes())).update(bytesOf(safes)).digest();
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) return candidate;
  }
  throw new Pkcs12PasswordError();
}

/**
 * Decrypts with one candidate password; undefined when the padding shows it is
 * the wrong one. PBES2 takes the password as UTF-8 bytes, the PKCS#12 ciphers
 * as UTF-16 (forge's key derivation encodes it).
 */
function decryptWith(
  algorithm: forge.asn1.Asn1 | undefined,
  encrypted: string,
  password: string | null,
  what: string,
): string | undefined {
  const [algorithmOid, params] = children(algorithm, what);
  const oid = oidOf(algorithmOid, what);
  let cipher: forge.cipher.BlockCipher;
  try {
    cipher = pbe.getCipher(oid, params!, oid === OID.pbes2 ? forge.util.encodeUtf8(password ?? "") : password);
  } catch (error) {
    throw new Pkcs12FormatError(
      `its ${what} is encrypted in a way that cannot be read here (${oid}: ${(error as Error).message}); export it with AES-256 (the default of openssl pkcs12 -export) or 3DES`,
    );
  }
  cipher.update(forge.util.createBuffer(encrypted));
  return cipher.finish() ? cipher.output.getBytes() : undefined;
}

/** Collects the certificates and keys of a SafeContents (a SEQUENCE of SafeBag). */
function readBags(
  safeContents: forge.asn1.Asn1,
  decrypt: (algorithm: forge.asn1.Asn1 | undefined, encrypted: string, what: string) => string,
  into: { certificates: Buffer[]; keys: Buffer[] },
): void {
  for (const bag of children(safeContents, "bags")) {
    const [bagId, wrapped] = children(bag, "bag");
    const value = children(wrapped, "bag")[0];
    switch (oidOf(bagId, "bag")) {
      case OID.keyBag:
        into.keys.push(bytesOf(forge.asn1.toDer(value!).getBytes()));
        break;
      case OID.shroudedKeyBag: {
        // EncryptedPrivateKeyInfo: the algorithm, then the encrypted PKCS#8.
        const [algorithm, encrypted] = children(value, "encrypted private key");
        into.keys.push(bytesOf(decrypt(algorithm, octets(encrypted, "encrypted private key"), "private key")));
        break;
      }
      case OID.certBag: {
        const [certId, certValue] = children(value, "certificate bag");
        // Other certificate kinds (SDSI) are not X.509, and no use here.
        if (oidOf(certId, "certificate bag") === OID.x509Certificate)
          into.certificates.push(bytesOf(octets(children(certValue, "certificate bag")[0], "certificate bag")));
        break;
      }
      case OID.safeContentsBag:
        readBags(value!, decrypt, into);
        break;
      default:
        // CRLs and secrets: nothing a client credential uses.
        break;
    }
  }
}
