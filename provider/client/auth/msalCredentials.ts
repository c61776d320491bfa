/** MSAL wiring: the app-only and App+User credentials over Microsoft Entra ID, through undici. */
import {
  ConfidentialClientApplication,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
} from "@azure/msal-node";
import type { Dispatcher } from "undici";
import { CredentialError } from "../../shared/errors";
import { redactSecrets, type Secret } from "../../shared/secret";
import { displayText } from "../../shared/untrustedText";
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

/** One network client per app context: the credential asks it why MSAL failed. */
const networkClients = new WeakMap<AppContext, UndiciNetworkClient>();

function networkFor(context: AppContext): UndiciNetworkClient {
  let client = networkClients.get(context);
  if (!client) networkClients.set(context, (client = new UndiciNetworkClient(context.dispatcher, context.timeoutMs)));
  return client;
}

function msalConfiguration(
  context: AppContext,
  credential: Configuration["auth"] extends infer A ? Partial<A> : never,
): Configuration {
  return {
    // knownAuthorities: the configured authority is trusted as is, without instance discovery against the public cloud.
    auth: {
      clientId: context.clientId,
      authority: `${context.authority}/${context.tenantId}`,
      knownAuthorities: [new URL(context.authority).host],
      ...credential,
    },
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
  // Redacted before the first line or the description is cut out of it.
  const text = redactSecrets(errorMessage ?? message ?? String(error));
  // MSAL: "Error(s): 7000215 - Timestamp: … - Description: AADSTS7000215: …\r\nTrace ID: …\r\nCorrelation ID: … - Correlation ID: …"
  const description = (
    /Description: ([^\r\n]*?)(?: - Correlation ID|\r?\n|$)/.exec(text)?.[1] ??
    text.split(/\r?\n/)[0] ??
    ""
  ).trim();
  const ids = [/Trace ID: ([0-9a-f-]{36})/i.exec(text)?.[1], /Correlation ID: ([0-9a-f-]{36})/i.exec(text)?.[1]];
  const suffix = ids[0] || ids[1] ? ` (Entra Trace ID ${ids[0] ?? "n/a"}, Correlation ID ${ids[1] ?? "n/a"})` : "";
  // Entra ID may quote the request (a client assertion, a refresh token): redacted here, not only where the message leaves the process.
  return new CredentialError(
    `Microsoft Entra ID refused ${what}: ${errorCode ? `${displayText(errorCode, 60)}: ` : ""}${displayText(description, 1000)}${suffix}`,
  );
}

function viaMsal(
  what: string,
  context: AppContext,
  acquire: (forceRefresh: boolean) => Promise<AuthenticationResult | null>,
): CachedCredential {
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
  return viaMsal(`the client secret of app ${context.clientId} in tenant ${context.tenantId}`, context, (force) =>
    app.acquireTokenByClientCredential({ scopes: [APP_SCOPE], skipCache: force }),
  );
}

/** A certificate and its private key, parsed from PEM, with the SHA-256 thumbprint. */
export interface ClientCertificate {
  readonly thumbprintSha256: string;
  readonly privateKey: string;
  /** The public certificate chain (PEM), sent as x5c for subject-name/issuer authentication. */
  readonly x5c: string;
}

/** App-only with a certificate (the thumbprint computed, x5c sent). */
export function clientCertificateCredential(context: AppContext, certificate: ClientCertificate): CachedCredential {
  const app = new ConfidentialClientApplication(msalConfiguration(context, { clientCertificate: certificate }));
  return viaMsal(`the certificate of app ${context.clientId} in tenant ${context.tenantId}`, context, (force) =>
    app.acquireTokenByClientCredential({ scopes: [APP_SCOPE], skipCache: force }),
  );
}

/** App-only with a federated assertion obtained afresh for every token. */
export function federatedCredential(
  context: AppContext,
  what: string,
  assertion: () => Promise<string>,
): CachedCredential {
  const app = new ConfidentialClientApplication(msalConfiguration(context, { clientAssertion: assertion }));
  return viaMsal(`${what} for app ${context.clientId} in tenant ${context.tenantId}`, context, (force) =>
    app.acquireTokenByClientCredential({ scopes: [APP_SCOPE], skipCache: force }),
  );
}

/**
 * App+User (the secure application model): the refresh token is exchanged
 * once; each exchange returns a new refresh token, which MSAL keeps in its
 * cache and uses for every later token of the run.
 */
export function refreshTokenCredential(
  context: AppContext,
  refreshToken: Secret,
  clientSecret: Secret | undefined,
): CachedCredential {
  const configuration = msalConfiguration(context, clientSecret ? { clientSecret: clientSecret.reveal() } : {});
  const app = clientSecret
    ? new ConfidentialClientApplication(configuration)
    : new PublicClientApplication(configuration);
  let account: AccountInfo | null = null;
  return viaMsal(
    `the refresh token for app ${context.clientId} in tenant ${context.tenantId}`,
    context,
    async (force) => {
      if (account) return app.acquireTokenSilent({ account, scopes: [USER_SCOPE], forceRefresh: force });
      const result = await app.acquireTokenByRefreshToken({
        refreshToken: refreshToken.reveal(),
        scopes: [USER_SCOPE],
        forceCache: true,
      });
      account = result?.account ?? null;
      return result;
    },
  );
}
