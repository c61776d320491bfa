/**
 * The credential material named by settings: a certificate bundle, PEM or
 * PKCS#12 (file or secret config), and a federated token file, read and
 * checked here, with errors that name the setting. The client's MSAL
 * credentials take what this returns.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readBoundedFile, readBoundedFileBytes } from "../shared/boundedFile";
import type { ClientCertificate } from "../client/auth/msalCredentials";
import { relativePathBase } from "../shared/paths";
import { looksLikePkcs12, Pkcs12FormatError, Pkcs12PasswordError, readPkcs12, type Pkcs12Contents } from "./pkcs12";
import { rememberSecret, type Secret } from "../shared/secret";
import { settingPlaces, type SourcedValue } from "./settingSources";
import { SettingsError, UnreadableFileError } from "../shared/errors";

/** The largest certificate or token file read (a PEM chain or a JWT is a few KiB). */
const MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024;

/** Where the certificate's password can be set (messages say where to put one). */
const PASSWORD_SETTING = settingPlaces("clientCertificatePassword");

/**
 * Reads a client certificate and its private key from a file or secret
 * config: PEM text (a certificate and a private key, which the password
 * decrypts if it is encrypted) or a PKCS#12 (.pfx/.p12) bundle, told apart by
 * content, not by name. Throws a {@link SettingsError} naming the setting when
 * it cannot; never the password or the key.
 *
 * @param source - the file's path (`fromFile`) or the bundle itself
 * @param fromFile - whether `source` names a file
 * @param password - the password of a PKCS#12 bundle or an encrypted PEM key, if set
 */
export function readClientCertificate(
  source: SourcedValue<string> | SourcedValue<Secret>,
  fromFile: boolean,
  password?: SourcedValue<Secret>,
): ClientCertificate {
  let bytes: Buffer;
  if (fromFile) {
    const path = source.value as string;
    try {
      bytes = readBoundedFileBytes(path, MAX_CREDENTIAL_FILE_BYTES);
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      throw new SettingsError(
        `Setting ${source.origin}: the certificate file ${JSON.stringify(path)} ${error.reason}${relativePathBase(path)}`,
      );
    }
  } else {
    bytes = Buffer.from((source.value as Secret).reveal(), "utf8");
  }
  if (looksLikePkcs12(bytes)) {
    // As the PEM's text is: should the bundle be echoed, as base64 (an unencrypted one holds the key as is).
    rememberSecret(bytes.toString("base64"));
    return fromPkcs12(bytes, source, fromFile, password);
  }
  const pem = bytes.toString("utf8");
  rememberSecret(pem);
  return fromPem(pem, source, password);
}

/** The SHA-256 thumbprint MSAL sends (x5t#S256): of the certificate's DER, in lower-case hex. */
function thumbprint(certificate: X509Certificate): string {
  return certificate.fingerprint256.replaceAll(":", "").toLowerCase();
}

function fromPem(
  pem: string,
  source: SourcedValue<string> | SourcedValue<Secret>,
  password: SourcedValue<Secret> | undefined,
): ClientCertificate {
  const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem);
  if (encrypted && !password) {
    throw new SettingsError(
      `Setting ${source.origin}: the private key is encrypted and no password is set: set ${PASSWORD_SETTING} to its password, as a secret, or give the key unencrypted (openssl pkey -in key.pem -out key-plain.pem), kept as a secret`,
    );
  }
  // Node parses the PEM: the first certificate, and the private key wherever it is in the bundle.
  let certificate: X509Certificate | undefined;
  let privateKey: string | undefined;
  try {
    certificate = certificates[0] === undefined ? undefined : new X509Certificate(certificates[0]);
    privateKey = createPrivateKey(encrypted && password ? { key: pem, passphrase: password.value.reveal() } : pem)
      .export({ type: "pkcs8", format: "pem" })
      .toString();
  } catch (error) {
    // With a wrong password OpenSSL mostly answers "bad decrypt", but once in 256 tries the padding fits and what it
    // decrypted fails to decode instead: either way, with the certificate read, the key did not open with the password.
    if (encrypted && password && (certificate || (error as NodeJS.ErrnoException).code === "ERR_OSSL_BAD_DECRYPT")) {
      throw new SettingsError(
        `Setting ${source.origin}: the private key does not decrypt with the password from ${password.origin}: set ${password.origin} to the key's password`,
      );
    }
    if (certificate)
      throw new SettingsError(
        `Setting ${source.origin}: expected PEM with a certificate and an unencrypted private key, found ${certificates.length} certificate(s) and no private key Node can read (${(error as Error).message})`,
      );
  }
  if (certificates.length === 0) {
    throw new SettingsError(
      `Setting ${source.origin}: expected PEM with a certificate and a private key, or a PKCS#12 (.pfx/.p12) bundle, found no certificate${privateKey ? "" : " and no private key"}`,
    );
  }
  if (!certificate || !privateKey) {
    throw new SettingsError(
      `Setting ${source.origin}: expected PEM with a certificate and an unencrypted private key, found ${certificates.length} certificate(s) and no private key`,
    );
  }
  rememberSecret(privateKey);
  return { thumbprintSha256: thumbprint(certificate), privateKey, x5c: certificates.join("\n") };
}

function fromPkcs12(
  bundle: Buffer,
  source: SourcedValue<string> | SourcedValue<Secret>,
  fromFile: boolean,
  password: SourcedValue<Secret> | undefined,
): ClientCertificate {
  const what = `Setting ${source.origin}: the PKCS#12 (PFX) ${fromFile ? `file ${JSON.stringify(source.value)}` : "bundle"}`;
  let contents: Pkcs12Contents;
  try {
    contents = readPkcs12(bundle, password?.value.reveal());
  } catch (error) {
    if (error instanceof Pkcs12PasswordError) {
      throw new SettingsError(
        password
          ? `${what} does not open with the password from ${password.origin}: set ${password.origin} to the password it was exported with`
          : `${what} is protected by a password and none is set: set ${PASSWORD_SETTING} to it, as a secret`,
      );
    }
    if (error instanceof Pkcs12FormatError) throw new SettingsError(`${what} cannot be read: ${error.message}`);
    throw error;
  }
  let keys: KeyObject[];
  let certificates: X509Certificate[];
  try {
    keys = contents.keys.map((key) => createPrivateKey({ key, format: "der", type: "pkcs8" }));
    certificates = contents.certificates.map((certificate) => new X509Certificate(certificate));
  } catch (error) {
    throw new SettingsError(
      `${what} cannot be read: it holds a certificate or private key Node cannot read (${(error as Error).message})`,
    );
  }
  if (keys.length === 0)
    throw new SettingsError(
      `${what} holds ${certificates.length} certificate(s) and no private key: export the certificate with its private key (openssl pkcs12 -export -in cert.pem -inkey key.pem; in Windows, "Yes, export the private key")`,
    );
  if (certificates.length === 0)
    throw new SettingsError(
      `${what} holds a private key and no certificate: export the private key with its certificate`,
    );
  // The certificate Entra ID knows is the one whose public key is the private key's, wherever it is in the bundle.
  const [match] = keys.flatMap((key) => {
    const leaf = certificates.find((certificate) => certificate.checkPrivateKey(key));
    return leaf ? [{ key, leaf }] : [];
  });
  if (!match)
    throw new SettingsError(
      `${what} holds ${certificates.length} certificate(s) and ${keys.length} private key(s), and no certificate is that of a private key in it: export the certificate together with its own private key`,
    );
  const privateKey = match.key.export({ type: "pkcs8", format: "pem" }).toString();
  rememberSecret(privateKey);
  return {
    thumbprintSha256: thumbprint(match.leaf),
    privateKey,
    x5c: chainOf(match.leaf, certificates)
      .map((certificate) => certificate.toString().trim())
      .join("\n"),
  };
}

/**
 * The certificate, then its issuer, then that one's, as far as the bundle
 * holds them: the x5c chain. Other certificates in the bundle (another key's,
 * an unrelated CA) are left out.
 */
function chainOf(leaf: X509Certificate, certificates: readonly X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  for (let current = leaf; ;) {
    const issuer = certificates.find(
      (candidate) =>
        !chain.includes(candidate) && current.checkIssued(candidate) && current.verify(candidate.publicKey),
    );
    if (!issuer) return chain;
    chain.push((current = issuer));
  }
}

/** A federated token file, re-read for every token because it rotates (AKS workload identity and the like). */
export function tokenFileAssertion(source: SourcedValue<string>): () => Promise<string> {
  const read = (): string => {
    let token: string;
    try {
      token = readBoundedFile(source.value, MAX_CREDENTIAL_FILE_BYTES).trim();
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      throw new SettingsError(
        `Setting ${source.origin}: the federated token file ${JSON.stringify(source.value)} ${error.reason}${relativePathBase(source.value)}`,
      );
    }
    if (token === "")
      throw new SettingsError(
        `Setting ${source.origin}: the federated token file ${JSON.stringify(source.value)} is empty`,
      );
    return token;
  };
  read();
  return async () => read();
}
