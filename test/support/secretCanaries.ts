/**
 * A canary in every place a credential mode keeps a secret, as the credential
 * modes' table declares them (provider/settings/credentialModes.ts): a mode
 * added to the table brings its secrets into the leak tests with no change to
 * them.
 */
import { randomBytes } from "node:crypto";
import { credentialMode, type AuthMode, type SecretPlace } from "../../provider/settings/credentialModes";
import { SETTING_SOURCES } from "../../provider/settings/settings";

/** Where a test sets a setting: its stack-config key, or the project's own environment variable. */
export type Source = "config" | "env";

/** A place's name, for canaries and messages: the setting's, or the job variable's. */
export function placeName(place: SecretPlace): string {
  return typeof place === "string" ? place : place.jobVariable;
}

/** A mode's secrets, each with a fresh canary (never seen before in this process, so that a redaction proves this run read it). */
export function canariesOf(mode: AuthMode): Map<SecretPlace, string> {
  return new Map(
    credentialMode(mode).secrets.map((place) => [
      place,
      `canary-${placeName(place)}-${randomBytes(6).toString("hex")}`,
    ]),
  );
}

/**
 * Stack config and environment holding these values: a setting from `source` (its config key, or its first
 * environment variable), a job variable from the environment, as the CI sets it.
 */
export function placed(
  values: ReadonlyMap<SecretPlace, string>,
  source: Source,
): { config: Record<string, string>; env: Record<string, string> } {
  const config: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const [place, value] of values) {
    if (typeof place !== "string") env[place.jobVariable] = value;
    else if (source === "config") config[SETTING_SOURCES[place].configKey] = value;
    else env[SETTING_SOURCES[place].envVars[0]] = value;
  }
  return { config, env };
}
