import { PartnerCenterError } from "../../errors";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readBoundedFile, UnreadableFileError } from "../../boundedFile";
import { rememberSecret } from "../../secret";
import { readBodyText } from "../boundedBody";
import { relativePathBase } from "../../paths";
import { ConfidentialClientApplication, PublicClientApplication, type AccountInfo, type AuthenticationResult, type Configuration } from "@azure/msal-node";
import { request, type Dispatcher } from "undici";
import type { Secret } from "../../secret";
import { SettingsError, type SourcedValue } from "../../settings";
import { CachedCredential, type AcquiredToken } from "./cachedCredential";
import { UndiciNetworkClient } from "./networkClient";

/** The app-only scope of the Partner Center API. */
export const APP_SCOPE = "https://api.partnercenter.microsoft.com/.default";
/** The App+User scope of the Partner Center API. */
export const USER_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation";
/** The audience Entra ID expects in a federated assertion. */
export const FEDERATED_AUDIENCE = "api://AzureADTokenExchange";

/** Which app, in which tenant, at which authority; and the HTTP to use. */
export interface AppContext {
  readonly tenantId: string;
  readonly clientId: string;
  /** The authority host URL, e.g. https://login.microsoftonline.com. */
  readonly authority: string;
  readonly dispatcher: Dispatcher;
  /** How long one token acquisition may take, retries included (`partnercenter:timeoutSeconds`). */
  readonly timeoutMs?: number;
}

/** Entra ID refused a credential, or it could not be used; names the credential, never its value. */
export class CredentialError extends PartnerCenterError {
  /** @param message - the credential (never its value), the problem and the fix */
  constructor(message: string, options?: ErrorOptions) {
    super("PC_ERR_CREDENTIAL", message, options);
  }
}

/** One network client per app context: the credential asks it why MSAL failed. */
const networkClients = new WeakMap<AppContext, UndiciNetworkClient>();

function networkFor(context: AppContext): UndiciNetworkClient {
  let client = networkClients.get(context);
  if (!client) networkClients.set(context, (client = new UndiciNetworkClient(context.dispatcher, context.timeoutMs)));
  return client;
}

function msalConfiguration(context: AppContext, credential: Configuration["auth"] extends infer A ? Partial<A> : never): Configuration {
  return {
    // knownAuthorities: the configured authority is trusted as is, without instance discovery against the public cloud.
    auth: { clientId: context.clientId, authority: `${context.authority}/${context.tenantId}`, knownAuthorities: [new URL(context.authority).host], ...credential },
    system: { networkClient: networkFor(context) },
  };
}

function toAcquired(result: AuthenticationResult | null, what: string): AcquiredToken {
  if (!result?.accessToken) throw new CredentialError(`Microsoft Entra ID gave no access token for ${what}`);
  return { accessToken: result.accessToken, expiresOn: result.expiresOn?.getTime() ?? Date.now() + 3_600_000 };
}

/**
 * Entra's own code and description (AADSTS…), with its trace and correlation
 * ids for a support ticket; never a request parameter.
 */
function refused(error: unknown, what: string): CredentialError {
  const { errorCode, errorMessage, message } = error as { errorCode?: string; errorMessage?: string; message?: string };
  const text = errorMessage ?? message ?? String(error);
  // MSAL: "Error(s): 7000215 - Timestamp: … - Description: AADSTS7000215: …\r\nTrace ID: …\r\nCorrelation ID: … - Correlation ID: …"
  const description = (/Description: ([^\r\n]*?)(?: - Correlation ID|\r?\n|$)/.exec(text)?.[1] ?? text.split(/\r?\n/)[0] ?? "").trim();
  const ids = [/Trace ID: ([0-9a-f-]{36})/i.exec(text)?.[1], /Correlation ID: ([0-9a-f-]{36})/i.exec(text)?.[1]];
  const suffix = ids[0] || ids[1] ? ` (Entra Trace ID ${ids[0] ?? "n/a"}, Correlation ID ${ids[1] ?? "n/a"})` : "";
  return new CredentialError(`Microsoft Entra ID refused ${what}: ${errorCode ? `${errorCode}: ` : ""}${description}${suffix}`);
}

function viaMsal(what: string, context: AppContext, acquire: (forceRefresh: boolean) => Promise<AuthenticationResult | null>): CachedCredential {
  return new CachedCredential(what, async (force) => {
    try {
      return toAcquired(await acquire(force), what);
    } catch (error) {
      if (error instanceof CredentialError) throw error;
      // Not reaching Entra ID is not Entra ID refusing the credential: say which, with the network's own reason.
      const unreachable = networkFor(context).takeFailure();
      if (unreachable) throw new CredentialError(`A token for ${what} could not be obtained: ${unreachable.message}`);
      throw refused(error, what);
    }
  });
}

/** App-only with a client secret. */
export function clientSecretCredential(context: AppContext, secret: Secret): CachedCredential {
  const app = new ConfidentialClientApplication(msalConfiguration(context, { clientSecret: secret.reveal() }));
  return viaMsal(`the client secret of app ${context.clientId} in tenant ${context.tenantId}`, context, (force) => app.acquireTokenByClientCredential({ scopes: [APP_SCOPE], skipCache: force }));
}

/** A certificate and its private key, parsed from PEM, with the SHA-256 thumbprint. */
export interface ClientCertificate {
  readonly thumbprintSha256: string;
  readonly privateKey: string;
  /** The public certificate chain (PEM), sent as x5c for subject-name/issuer authentication. */
  readonly x5c: string;
}

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

/** App-only with a certificate (the thumbprint computed, x5c sent). */
export function clientCertificateCredential(context: AppContext, certificate: ClientCertificate): CachedCredential {
  const app = new ConfidentialClientApplication(msalConfiguration(context, { clientCertificate: certificate }));
  return viaMsal(`the certificate of app ${context.clientId} in tenant ${context.tenantId}`, context, (force) => app.acquireTokenByClientCredential({ scopes: [APP_SCOPE], skipCache: force }));
}

/** App-only with a federated assertion obtained afresh for every token. */
export function federatedCredential(context: AppContext, what: string, assertion: () => Promise<string>): CachedCredential {
  const app = new ConfidentialClientApplication(msalConfiguration(context, { clientAssertion: assertion }));
  return viaMsal(`${what} for app ${context.clientId} in tenant ${context.tenantId}`, context, (force) => app.acquireTokenByClientCredential({ scopes: [APP_SCOPE], skipCache: force }));
}

/** The largest certificate or token file read (a PEM chain or a JWT is a few KiB). */
const MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024;

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

/** GitHub Actions' OIDC token, requested for the Entra audience through the shared dispatcher. */
export function githubAssertion(oidc: { url: string; token: Secret }, dispatcher: Dispatcher): () => Promise<string> {
  return async () => {
    const url = `${oidc.url}${oidc.url.includes("?") ? "&" : "?"}audience=${encodeURIComponent(FEDERATED_AUDIENCE)}`;
    const response = await request(url, { dispatcher, headers: { authorization: `Bearer ${oidc.token.reveal()}`, accept: "application/json" } });
    const body = (await readBodyText(response.body, 1024 * 1024).then((text) => JSON.parse(text) as unknown).catch(() => ({}))) as { value?: string };
    if (response.statusCode !== 200 || !body.value) {
      throw new CredentialError(`GitHub Actions gave no OIDC token (HTTP ${response.statusCode}): the job needs "permissions: id-token: write"`);
    }
    return body.value;
  };
}

/**
 * App+User (the secure application model): the refresh token is exchanged
 * once; each exchange returns a new refresh token, which MSAL keeps in its
 * cache and uses for every later token of the run.
 */
export function refreshTokenCredential(context: AppContext, refreshToken: Secret, clientSecret: Secret | undefined): CachedCredential {
  const configuration = msalConfiguration(context, clientSecret ? { clientSecret: clientSecret.reveal() } : {});
  const app = clientSecret ? new ConfidentialClientApplication(configuration) : new PublicClientApplication(configuration);
  let account: AccountInfo | null = null;
  return viaMsal(`the refresh token for app ${context.clientId} in tenant ${context.tenantId}`, context, async (force) => {
    if (account) return app.acquireTokenSilent({ account, scopes: [USER_SCOPE], forceRefresh: force });
    const result = await app.acquireTokenByRefreshToken({ refreshToken: refreshToken.reveal(), scopes: [USER_SCOPE], forceCache: true });
    account = result?.account ?? null;
    return result;
  });
}
