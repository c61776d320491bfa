/**
 * Chooses and builds the credential the settings describe: the one place
 * settings meet the client's credentials.
 */
import type { Dispatcher } from "undici";
import type { TokenCredential } from "../client/auth/credential";
import { azurePipelinesAssertion } from "../client/auth/azurePipelinesOidc";
import { githubAssertion } from "../client/auth/githubOidc";
import { clientCertificateCredential, clientSecretCredential, federatedCredential, refreshTokenCredential, type AppContext } from "../client/auth/msalCredentials";
import { StaticTokenCredential } from "../client/auth/staticToken";
import { readClientCertificate, tokenFileAssertion } from "./credentialFiles";
import { runContext } from "../shared/runContext";
import { settingName, settingPlaces } from "./settingSources";
import type { AuthMode, CredentialSettings, ProviderSettings, SourcedValue } from "./settings";
import { SettingsError } from "../shared/errors";


/** The ways that read an OIDC token (what `ARM_USE_OIDC` prefers). */
const OIDC_MODES: ReadonlySet<AuthMode> = new Set(["federatedToken", "oidcToken", "githubOidc", "azurePipelines"]);

/** The modes whose settings are present, each with where it came from. */
function presentModes(credentials: CredentialSettings): [AuthMode, string][] {
  const present: [AuthMode, string][] = [];
  if (credentials.accessToken) present.push(["accessToken", credentials.accessToken.origin]);
  if (credentials.refreshToken) present.push(["refreshToken", credentials.refreshToken.origin]);
  else if (credentials.clientSecret) present.push(["clientSecret", credentials.clientSecret.origin]);
  const certificate = credentials.clientCertificate ?? credentials.clientCertificatePath;
  if (certificate) present.push(["clientCertificate", certificate.origin]);
  if (credentials.federatedTokenFile) present.push(["federatedToken", credentials.federatedTokenFile.origin]);
  if (credentials.oidcToken) present.push(["oidcToken", credentials.oidcToken.origin]);
  if (credentials.azurePipelines?.explicit) present.push(["azurePipelines", credentials.azurePipelines.serviceConnectionId.origin]);
  if (credentials.githubOidc && !isGithubsOwn(credentials.githubOidc.origin)) present.push(["githubOidc", credentials.githubOidc.origin]);
  return present;
}

/**
 * The modes the CI around the process offers without being asked (GitHub Actions with `id-token: write`, an
 * `AzureCLI@2` task's service connection): used only when nothing else is configured.
 */
function ambientModes(credentials: CredentialSettings): [AuthMode, string][] {
  const ambient: [AuthMode, string][] = [];
  if (credentials.githubOidc && isGithubsOwn(credentials.githubOidc.origin)) ambient.push(["githubOidc", `the GitHub Actions job (${credentials.githubOidc.origin})`]);
  if (credentials.azurePipelines && !credentials.azurePipelines.explicit) ambient.push(["azurePipelines", credentials.azurePipelines.serviceConnectionId.origin]);
  return ambient;
}

/** Whether a value came from one of azurerm's and azure-native's `ARM_*` names. */
function fromArm(origin: string): boolean {
  return origin.startsWith("environment variable ARM_");
}

/**
 * `companion` (a certificate's password, a refresh token's client secret) when it belongs with a value that came from
 * `origin`. A companion from an `ARM_*` name belongs to azurerm's or azure-native's own credential, often another
 * app's: it goes with an `ARM_*` certificate path only, never with the project's own settings.
 */
function companionOf<T>(origin: string, companion: SourcedValue<T> | undefined): SourcedValue<T> | undefined {
  return companion && (!fromArm(companion.origin) || fromArm(origin)) ? companion : undefined;
}

function conflicting(modes: [AuthMode, string][]): SettingsError {
  return new SettingsError(`Conflicting Partner Center credentials: ${modes.map(([m, origin]) => `${m} (from ${origin})`).join(" and ")}; keep one, or choose with ${settingName("auth")}`);
}

/** Whether the GitHub OIDC request URL is the one a GitHub Actions job sets itself (not one configured on purpose). */
function isGithubsOwn(origin: string): boolean {
  return origin === "environment variable ACTIONS_ID_TOKEN_REQUEST_URL";
}

/** Whether a value was set in the project's own terms: stack config or a `PARTNERCENTER_*` variable. */
function isProjectsOwn(origin: string): boolean {
  return origin.startsWith("stack config ") || origin.startsWith("environment variable PARTNERCENTER_");
}

/** The mode the settings describe: forced, the one present, the OIDC one `useOidc` prefers, or the CI's own. */
function chooseMode(credentials: CredentialSettings): AuthMode {
  if (credentials.auth) return credentials.auth;
  const configured = presentModes(credentials);
  // What azurerm's or azure-native's ARM_* names carry is their credential, often another app's: it does not compete
  // with one the project configured in its own terms.
  const present = configured.some(([, origin]) => isProjectsOwn(origin)) ? configured.filter(([, origin]) => !fromArm(origin)) : configured;
  const ambient = credentials.useOidc?.value === false ? [] : ambientModes(credentials);
  const useOidc = credentials.useOidc;
  // ARM_USE_OIDC is azurerm's: it does not override a secret or certificate the project configured in its own terms.
  const overridden = useOidc !== undefined && !isProjectsOwn(useOidc.origin) && present.some(([mode, origin]) => !OIDC_MODES.has(mode) && isProjectsOwn(origin));
  if (useOidc?.value && !overridden) {
    // What is configured first; the CI's own only when nothing is.
    const oidcConfigured = present.filter(([mode]) => OIDC_MODES.has(mode));
    const oidc = oidcConfigured.length > 0 ? oidcConfigured : ambient.filter(([mode]) => OIDC_MODES.has(mode));
    if (oidc.length === 1) return oidc[0]![0];
    if (oidc.length > 1) throw conflicting(oidc);
    throw new SettingsError(`ARM_USE_OIDC (${settingName("useOidc")}) is true but no OIDC token is offered: set ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH, ARM_OIDC_REQUEST_URL with ARM_OIDC_REQUEST_TOKEN, or ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID in an Azure Pipelines job`);
  }
  if (present.length > 1) throw conflicting(present);
  if (present.length === 1) return present[0]![0];
  if (ambient.length > 1) throw conflicting(ambient);
  if (ambient.length === 1) return ambient[0]![0];
  throw new SettingsError(noneConfigured());
}

/**
 * No credential at all: what to set, in the terms of who runs the process (stack config and `pulumi config set` under
 * Pulumi, environment variables in the command line, which reads nothing else).
 */
function noneConfigured(): string {
  const n = settingName;
  const token =
    runContext() === "cli"
      ? "environment variable PARTNERCENTER_ACCESS_TOKEN"
      : "stack config partnercenter:accessToken (pulumi config set --secret partnercenter:accessToken <token>) or PARTNERCENTER_ACCESS_TOKEN";
  return (
    `No Partner Center credentials are configured: set ${token}; ` +
    `or, with ${n("tenantId")} and ${n("clientId")}, one of ${n("clientSecret")}, ${n("clientCertificatePath")} / ${n("clientCertificate")}, ` +
    `${n("federatedTokenFile")} (AZURE_FEDERATED_TOKEN_FILE, ARM_OIDC_TOKEN_FILE_PATH), ${n("oidcToken")} (ARM_OIDC_TOKEN), ${n("refreshToken")}; ` +
    `or run in GitHub Actions with "permissions: id-token: write", or in Azure Pipelines with ${n("adoServiceConnectionId")} (ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID) and SYSTEM_ACCESSTOKEN mapped`
  );
}

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
  const mode = chooseMode(credentials);
  if (mode === "accessToken") {
    if (!credentials.accessToken) throw new SettingsError(`${settingName("auth")} is accessToken but no token is set: set ${settingPlaces("accessToken")}`);
    return new StaticTokenCredential(credentials.accessToken.value);
  }
  if (!dispatcher) throw new Error("an MSAL credential needs the client's HTTP dispatcher");
  const context = appContext(credentials, mode, dispatcher, settings.timeoutSeconds);
  switch (mode) {
    case "clientSecret":
      if (!credentials.clientSecret) throw new SettingsError(`${settingName("auth")} is clientSecret but no secret is set: set ${settingPlaces("clientSecret")}`);
      return clientSecretCredential(context, credentials.clientSecret.value);
    case "clientCertificate": {
      const source = credentials.clientCertificate ?? credentials.clientCertificatePath;
      if (!source) throw new SettingsError(`${settingName("auth")} is clientCertificate but none is set: set ${settingPlaces("clientCertificatePath")} or ${settingName("clientCertificate")} (PEM, as a secret)`);
      return clientCertificateCredential(context, readClientCertificate(source, source === credentials.clientCertificatePath, companionOf(source.origin, credentials.clientCertificatePassword)));
    }
    case "federatedToken":
      if (!credentials.federatedTokenFile) throw new SettingsError(`${settingName("auth")} is federatedToken but no token file is set: set ${settingPlaces("federatedTokenFile")}`);
      return federatedCredential(context, `the federated token in ${credentials.federatedTokenFile.value}`, tokenFileAssertion(credentials.federatedTokenFile));
    case "oidcToken": {
      const token = credentials.oidcToken;
      if (!token) throw new SettingsError(`${settingName("auth")} is oidcToken but no token is set: set ${settingPlaces("oidcToken")}`);
      return federatedCredential(context, `the OIDC token from ${token.origin}`, async () => token.value.reveal());
    }
    case "githubOidc":
      if (!credentials.githubOidc) throw new SettingsError(`${settingName("auth")} is githubOidc but ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: give the job "permissions: id-token: write"`);
      return federatedCredential(context, "the GitHub Actions OIDC token", githubAssertion(credentials.githubOidc, dispatcher));
    case "azurePipelines": {
      const pipelines = credentials.azurePipelines;
      if (!pipelines) throw new SettingsError(`${settingName("auth")} is azurePipelines but no service connection is set: set ${settingPlaces("adoServiceConnectionId")} to the id of an Azure Resource Manager service connection that uses workload identity federation`);
      if (!pipelines.requestUri) throw new SettingsError(`The Azure Pipelines credential (service connection ${pipelines.serviceConnectionId.value}, from ${pipelines.serviceConnectionId.origin}) needs SYSTEM_OIDCREQUESTURI, which every Azure Pipelines job sets: run it in a pipeline job`);
      if (!pipelines.accessToken) throw new SettingsError(`The Azure Pipelines credential (service connection ${pipelines.serviceConnectionId.value}) needs SYSTEM_ACCESSTOKEN, which a pipeline never exposes on its own: add "env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)" to the step that runs Pulumi`);
      const assertion = azurePipelinesAssertion({ requestUri: pipelines.requestUri, accessToken: pipelines.accessToken, serviceConnectionId: pipelines.serviceConnectionId.value }, dispatcher);
      return federatedCredential(context, `the Azure DevOps service connection ${pipelines.serviceConnectionId.value}`, assertion);
    }
    case "refreshToken":
      if (!credentials.refreshToken) throw new SettingsError(`${settingName("auth")} is refreshToken but none is set: set ${settingPlaces("refreshToken")}`);
      return refreshTokenCredential(context, credentials.refreshToken.value, companionOf(credentials.refreshToken.origin, credentials.clientSecret)?.value);
  }
}

function appContext(credentials: CredentialSettings, mode: AuthMode, dispatcher: Dispatcher, timeoutSeconds: number): AppContext {
  const missing = [!credentials.tenantId && settingPlaces("tenantId"), !credentials.clientId && settingPlaces("clientId")].filter(Boolean);
  if (missing.length > 0) throw new SettingsError(`The ${mode} credential needs ${missing.join(" and ")}`);
  return { tenantId: credentials.tenantId!.value, clientId: credentials.clientId!.value, authority: credentials.authority, dispatcher, timeoutMs: timeoutSeconds * 1000 };
}
