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

/**
 * Reads a PEM bundle (certificate and private key) from a file or secret
 * config; throws a {@link SettingsError} naming the setting when it cannot.
 */
export function readClientCertificate(source: SourcedValue<string> | SourcedValue<Secret>, fromFile: boolean): ClientCertificate {
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
  const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new SettingsError(`Setting ${source.origin}: the private key is encrypted, and the provider takes no passphrase: give it unencrypted (openssl pkey -in key.pem -out key-plain.pem), kept as a secret`);
  }
  // Node parses the PEM: the first certificate, and the private key wherever it is in the bundle.
  let certificate: X509Certificate | undefined;
  let privateKey: string | undefined;
  try {
    certificate = certificates[0] === undefined ? undefined : new X509Certificate(certificates[0]);
    privateKey = createPrivateKey(pem).export({ type: "pkcs8", format: "pem" }).toString();
  } catch (error) {
    if (certificate) throw new SettingsError(`Setting ${source.origin}: expected PEM with a certificate and an unencrypted private key, found ${certificates.length} certificate(s) and no private key Node can read (${(error as Error).message})`);
  }
  if (!certificate || !privateKey) {
    throw new SettingsError(`Setting ${source.origin}: expected PEM with a certificate and an unencrypted private key, found ${certificates.length} certificate(s)${certificates.length === 0 ? "" : " and no private key"}`);
  }
  rememberSecret(privateKey);
  return { thumbprintSha256: certificate.fingerprint256.replaceAll(":", "").toLowerCase(), privateKey, x5c: certificates.join("\n") };
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

