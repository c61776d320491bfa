/**
 * What a credential setting's origin says about it: the project's own terms,
 * azurerm's and azure-native's `ARM_*` names, or a GitHub Actions job's own
 * variables. Choosing a mode and pairing a value with its companion both ask.
 */
import type { SourcedValue } from "./settingSources";

/** Whether a value came from one of azurerm's and azure-native's `ARM_*` names. */
export function fromArm(origin: string): boolean {
  return origin.startsWith("environment variable ARM_");
}

/** Whether a value was set in the project's own terms: stack config or a `PARTNERCENTER_*` variable. */
export function isProjectsOwn(origin: string): boolean {
  return origin.startsWith("stack config ") || origin.startsWith("environment variable PARTNERCENTER_");
}

/** Whether the GitHub OIDC request URL is the one a GitHub Actions job sets itself (not one configured on purpose). */
export function isGithubsOwn(origin: string): boolean {
  return origin === "environment variable ACTIONS_ID_TOKEN_REQUEST_URL";
}

/**
 * `companion` (a certificate's password, a refresh token's client secret) when it belongs with a value that came from
 * `origin`. A companion from an `ARM_*` name belongs to azurerm's or azure-native's own credential, often another
 * app's: it goes with an `ARM_*` certificate path only, never with the project's own settings.
 */
export function companionOf<T>(origin: string, companion: SourcedValue<T> | undefined): SourcedValue<T> | undefined {
  return companion && (!fromArm(companion.origin) || fromArm(origin)) ? companion : undefined;
}
