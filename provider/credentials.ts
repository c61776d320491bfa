/**
 * Chooses and builds the credential the settings describe: the one place
 * settings meet the client's credentials.
 */
import type { Dispatcher } from "undici";
import type { TokenCredential } from "./client/auth/credential";
import { githubAssertion } from "./client/auth/githubOidc";
import { clientCertificateCredential, clientSecretCredential, federatedCredential, refreshTokenCredential, type AppContext } from "./client/auth/msalCredentials";
import { StaticTokenCredential } from "./client/auth/staticToken";
import { readClientCertificate, tokenFileAssertion } from "./credentialFiles";
import { SETTING_SOURCES, SettingsError, type AuthMode, type CredentialSettings, type ProviderSettings } from "./settings";

function where(name: keyof typeof SETTING_SOURCES): string {
  const source = SETTING_SOURCES[name];
  return `stack config ${source.configKey} (or ${source.envVars.join(" / ")})`;
}

/** The modes whose settings are present, each with where it came from. */
function presentModes(credentials: CredentialSettings): [AuthMode, string][] {
  const present: [AuthMode, string][] = [];
  if (credentials.accessToken) present.push(["accessToken", credentials.accessToken.origin]);
  if (credentials.refreshToken) present.push(["refreshToken", credentials.refreshToken.origin]);
  else if (credentials.clientSecret) present.push(["clientSecret", credentials.clientSecret.origin]);
  const certificate = credentials.clientCertificate ?? credentials.clientCertificatePath;
  if (certificate) present.push(["clientCertificate", certificate.origin]);
  if (credentials.federatedTokenFile) present.push(["federatedToken", credentials.federatedTokenFile.origin]);
  return present;
}

const NONE_CONFIGURED =
  `No Partner Center credentials are configured: set stack config partnercenter:accessToken (pulumi config set --secret partnercenter:accessToken <token>) or PARTNERCENTER_ACCESS_TOKEN; ` +
  `or, with partnercenter:tenantId and partnercenter:clientId, one of partnercenter:clientSecret, partnercenter:clientCertificatePath / partnercenter:clientCertificate, ` +
  `partnercenter:federatedTokenFile (AZURE_FEDERATED_TOKEN_FILE), partnercenter:refreshToken; or run in GitHub Actions with "permissions: id-token: write"`;

/**
 * Chooses the credential the settings describe (or `partnercenter:auth`
 * forces) and checks it before any request: missing tenant or client id,
 * conflicting modes, unreadable certificate or token file.
 *
 * @param settings - the resolved provider settings
 * @param dispatcher - the HTTP dispatcher MSAL shares with the client
 */
export function credentialFromSettings(settings: ProviderSettings, dispatcher?: Dispatcher): TokenCredential {
  const { credentials } = settings;
  const present = presentModes(credentials);
  let mode: AuthMode;
  if (credentials.auth) {
    mode = credentials.auth;
  } else if (present.length > 1) {
    throw new SettingsError(
      `Conflicting Partner Center credentials: ${present.map(([m, origin]) => `${m} (from ${origin})`).join(" and ")}; keep one, or choose with partnercenter:auth`,
    );
  } else if (present.length === 1) {
    mode = present[0]![0];
  } else if (credentials.githubOidc) {
    mode = "githubOidc";
  } else {
    throw new SettingsError(NONE_CONFIGURED);
  }
  if (mode === "accessToken") {
    if (!credentials.accessToken) throw new SettingsError(`partnercenter:auth is accessToken but no token is set: set ${where("accessToken")}`);
    return new StaticTokenCredential(credentials.accessToken.value);
  }
  if (!dispatcher) throw new Error("an MSAL credential needs the client's HTTP dispatcher");
  const context = appContext(credentials, mode, dispatcher, settings.timeoutSeconds);
  switch (mode) {
    case "clientSecret":
      if (!credentials.clientSecret) throw new SettingsError(`partnercenter:auth is clientSecret but no secret is set: set ${where("clientSecret")}`);
      return clientSecretCredential(context, credentials.clientSecret.value);
    case "clientCertificate": {
      const source = credentials.clientCertificate ?? credentials.clientCertificatePath;
      if (!source) throw new SettingsError(`partnercenter:auth is clientCertificate but none is set: set ${where("clientCertificatePath")} or partnercenter:clientCertificate (PEM, as a secret)`);
      return clientCertificateCredential(context, readClientCertificate(source, source === credentials.clientCertificatePath));
    }
    case "federatedToken":
      if (!credentials.federatedTokenFile) throw new SettingsError(`partnercenter:auth is federatedToken but no token file is set: set ${where("federatedTokenFile")}`);
      return federatedCredential(context, `the federated token in ${credentials.federatedTokenFile.value}`, tokenFileAssertion(credentials.federatedTokenFile));
    case "githubOidc":
      if (!credentials.githubOidc) throw new SettingsError(`partnercenter:auth is githubOidc but ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: give the job "permissions: id-token: write"`);
      return federatedCredential(context, "the GitHub Actions OIDC token", githubAssertion(credentials.githubOidc, dispatcher));
    case "refreshToken":
      if (!credentials.refreshToken) throw new SettingsError(`partnercenter:auth is refreshToken but none is set: set ${where("refreshToken")}`);
      return refreshTokenCredential(context, credentials.refreshToken.value, credentials.clientSecret?.value);
  }
}

function appContext(credentials: CredentialSettings, mode: AuthMode, dispatcher: Dispatcher, timeoutSeconds: number): AppContext {
  const missing = [!credentials.tenantId && where("tenantId"), !credentials.clientId && where("clientId")].filter(Boolean);
  if (missing.length > 0) throw new SettingsError(`The ${mode} credential needs ${missing.join(" and ")}`);
  return { tenantId: credentials.tenantId!.value, clientId: credentials.clientId!.value, authority: credentials.authority, dispatcher, timeoutMs: timeoutSeconds * 1000 };
}
