/**
 * The credential material named by settings: a certificate bundle (file or
 * secret config) and a federated token file, read and checked here, with
 * errors that name the setting. The client's MSAL credentials take what this
 * returns.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readBoundedFile, UnreadableFileError } from "./boundedFile";
import type { ClientCertificate } from "./client/auth/msalCredentials";
import { relativePathBase } from "./paths";
import { rememberSecret, type Secret } from "./secret";
import { SettingsError, type SourcedValue } from "./settings";

/** The largest certificate or token file read (a PEM chain or a JWT is a few KiB). */
const MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024;

/** Where the certificate's password can be set (the settings name it; messages say where to put one). */
const PASSWORD_SETTING = "partnercenter:clientCertificatePassword (or AZURE_CLIENT_CERTIFICATE_PASSWORD / ARM_CLIENT_CERTIFICATE_PASSWORD)";

/**
 * Reads a PEM bundle (a certificate and a private key, which the password
 * decrypts if it is encrypted) from a file or secret config. Throws a
 * {@link SettingsError} naming the setting when it cannot; never the
 * password or the key.
 *
 * @param source - the file's path (`fromFile`) or the bundle itself
 * @param fromFile - whether `source` names a file
 * @param password - the password of an encrypted private key, if set
 */
export function readClientCertificate(source: SourcedValue<string> | SourcedValue<Secret>, fromFile: boolean, password?: SourcedValue<Secret>): ClientCertificate {
  let pem: string;
  if (fromFile) {
    const path = source.value as string;
    try {
      pem = readBoundedFile(path, MAX_CREDENTIAL_FILE_BYTES);
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      throw new SettingsError(`Setting ${source.origin}: the certificate file ${JSON.stringify(path)} ${error.reason}${relativePathBase(path)}`);
    }
  } else {
    pem = (source.value as Secret).reveal();
  }
  rememberSecret(pem);
  return fromPem(pem, source, password);
}

/** The SHA-256 thumbprint MSAL sends (x5t#S256): of the certificate's DER, in lower-case hex. */
function thumbprint(certificate: X509Certificate): string {
  return certificate.fingerprint256.replaceAll(":", "").toLowerCase();
}

function fromPem(pem: string, source: SourcedValue<string> | SourcedValue<Secret>, password: SourcedValue<Secret> | undefined): ClientCertificate {
  const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem);
  if (encrypted && !password) {
    throw new SettingsError(`Setting ${source.origin}: the private key is encrypted and no password is set: set ${PASSWORD_SETTING} to its password, as a secret, or give the key unencrypted (openssl pkey -in key.pem -out key-plain.pem), kept as a secret`);
  }
  // Node parses the PEM: the first certificate, and the private key wherever it is in the bundle.
  let certificate: X509Certificate | undefined;
  let privateKey: string | undefined;
  try {
    certificate = certificates[0] === undefined ? undefined : new X509Certificate(certificates[0]);
    privateKey = createPrivateKey(encrypted && password ? { key: pem, passphrase: password.value.reveal() } : pem).export({ type: "pkcs8", format: "pem" }).toString();
  } catch (error) {
    if (encrypted && password && (error as NodeJS.ErrnoException).code === "ERR_OSSL_BAD_DECRYPT") {
      throw new SettingsError(`Setting ${source.origin}: the private key does not decrypt with the password from ${password.origin}: set ${password.origin} to the key's password`);
    }
    if (certificate) throw new SettingsError(`Setting ${source.origin}: expected PEM with a certificate and an unencrypted private key, found ${certificates.length} certificate(s) and no private key Node can read (${(error as Error).message})`);
  }
  if (!certificate || !privateKey) {
    throw new SettingsError(`Setting ${source.origin}: expected PEM with a certificate and an unencrypted private key, found ${certificates.length} certificate(s)${certificates.length === 0 ? "" : " and no private key"}`);
  }
  rememberSecret(privateKey);
  return { thumbprintSha256: thumbprint(certificate), privateKey, x5c: certificates.join("\n") };
}

/** A federated token file, re-read for every token because it rotates (AKS workload identity and the like). */
export function tokenFileAssertion(source: SourcedValue<string>): () => Promise<string> {
  const read = (): string => {
    let token: string;
    try {
      token = readBoundedFile(source.value, MAX_CREDENTIAL_FILE_BYTES).trim();
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      throw new SettingsError(`Setting ${source.origin}: the federated token file ${JSON.stringify(source.value)} ${error.reason}${relativePathBase(source.value)}`);
    }
    if (token === "") throw new SettingsError(`Setting ${source.origin}: the federated token file ${JSON.stringify(source.value)} is empty`);
    return token;
  };
  read();
  return async () => read();
}

