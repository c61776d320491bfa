/**
 * Chooses and builds the credential the settings describe: the one place
 * settings meet the client's credentials. What each mode is, is the table in
 * credentialModes.ts; here, how they are weighed against each other.
 */
import type { Dispatcher } from "undici";
import type { TokenCredential } from "../client/auth/credential";
import type { AppContext } from "../client/auth/msalCredentials";
import { AUTH_MODES, credentialMode, type AuthMode } from "./credentialModes";
import { fromArm, isProjectsOwn } from "./credentialOrigins";
import { settingName, settingPlaces } from "./settingSources";
import type { CredentialSettings, ProviderSettings } from "./settings";
import { SettingsError } from "../shared/errors";

/** The modes whose settings say where they came from, by `origin` (configured on purpose, or offered by the CI), in the table's order. */
function modesFrom(credentials: CredentialSettings, origin: "configured" | "ambient"): [AuthMode, string][] {
  return AUTH_MODES.flatMap((mode): [AuthMode, string][] => {
    const from = credentialMode(mode)[origin]?.(credentials);
    return from === undefined ? [] : [[mode, from]];
  });
}

/** Whether a mode reads an OIDC token (what `ARM_USE_OIDC` prefers). */
function isOidc(mode: AuthMode): boolean {
  return credentialMode(mode).armOidc !== undefined;
}

function conflicting(modes: [AuthMode, string][]): SettingsError {
  return new SettingsError(
    `Conflicting Partner Center credentials: ${modes.map(([m, origin]) => `${m} (from ${origin})`).join(" and ")}; keep one, or choose with ${settingName("auth")}`,
  );
}

/** The mode the settings describe: forced, the one present, the OIDC one `useOidc` prefers, or the CI's own. */
function chooseMode(credentials: CredentialSettings): AuthMode {
  if (credentials.auth) return credentials.auth;
  const configured = modesFrom(credentials, "configured");
  // What azurerm's or azure-native's ARM_* names carry is their credential, often another app's: it does not compete
  // with one the project configured in its own terms.
  const present = configured.some(([, origin]) => isProjectsOwn(origin))
    ? configured.filter(([, origin]) => !fromArm(origin))
    : configured;
  const ambient = credentials.useOidc?.value === false ? [] : modesFrom(credentials, "ambient");
  const useOidc = credentials.useOidc;
  // ARM_USE_OIDC is azurerm's: it does not override a secret or certificate the project configured in its own terms.
  const overridden =
    useOidc !== undefined &&
    !isProjectsOwn(useOidc.origin) &&
    present.some(([mode, origin]) => !isOidc(mode) && isProjectsOwn(origin));
  if (useOidc?.value && !overridden) {
    // What is configured first; the CI's own only when nothing is.
    const oidcConfigured = present.filter(([mode]) => isOidc(mode));
    const oidc = oidcConfigured.length > 0 ? oidcConfigured : ambient.filter(([mode]) => isOidc(mode));
    if (oidc.length === 1) return oidc[0]![0];
    if (oidc.length > 1) throw conflicting(oidc);
    throw new SettingsError(
      `ARM_USE_OIDC (${settingName("useOidc")}) is true but no OIDC token is offered: set ${oneOf(AUTH_MODES.flatMap((mode) => credentialMode(mode).armOidc ?? []))}`,
    );
  }
  if (present.length > 1) throw conflicting(present);
  if (present.length === 1) return present[0]![0];
  if (ambient.length > 1) throw conflicting(ambient);
  if (ambient.length === 1) return ambient[0]![0];
  throw new SettingsError(noneConfigured());
}

/** `a, b, or c`. */
function oneOf(choices: readonly string[]): string {
  return choices.length < 2 ? choices.join("") : `${choices.slice(0, -1).join(", ")}, or ${choices.at(-1)}`;
}

/**
 * No credential at all: what to set, in the terms of who runs the process (stack config and `pulumi config set` under
 * Pulumi, environment variables in the command line, which reads nothing else), from every mode's hint: a token, an
 * app's credential, or a CI that offers one.
 */
function noneConfigured(): string {
  const hints = (which: (mode: AuthMode) => boolean): string[] =>
    AUTH_MODES.filter(which).map((mode) => credentialMode(mode).hint());
  const token = hints((mode) => !credentialMode(mode).app);
  const app = hints((mode) => credentialMode(mode).app && !credentialMode(mode).ambient);
  const ci = hints((mode) => credentialMode(mode).ambient !== undefined);
  return (
    `No Partner Center credentials are configured: set ${token.join(" or ")}; ` +
    `or, with ${settingName("tenantId")} and ${settingName("clientId")}, one of ${app.join(", ")}; ` +
    `or run ${ci.join(", or ")}`
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
  const entry = credentialMode(mode);
  let credential: TokenCredential | undefined;
  if (!entry.app) credential = entry.build(credentials);
  else {
    if (!dispatcher) throw new Error("an MSAL credential needs the client's HTTP dispatcher");
    credential = entry.build(credentials, appContext(credentials, mode, dispatcher, settings.timeoutSeconds));
  }
  if (!credential) throw new SettingsError(`${settingName("auth")} is ${mode} but ${entry.missing()}`);
  return credential;
}

function appContext(
  credentials: CredentialSettings,
  mode: AuthMode,
  dispatcher: Dispatcher,
  timeoutSeconds: number,
): AppContext {
  const missing = [
    !credentials.tenantId && settingPlaces("tenantId"),
    !credentials.clientId && settingPlaces("clientId"),
  ].filter(Boolean);
  if (missing.length > 0) throw new SettingsError(`The ${mode} credential needs ${missing.join(" and ")}`);
  return {
    tenantId: credentials.tenantId!.value,
    clientId: credentials.clientId!.value,
    authority: credentials.authority,
    dispatcher,
    timeoutMs: timeoutSeconds * 1000,
  };
}
