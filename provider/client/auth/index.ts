import { SETTING_SOURCES, SettingsError, type ProviderSettings } from "../../settings";
import type { TokenCredential } from "./credential";
import { StaticTokenCredential } from "./staticToken";

export type { TokenCredential } from "./credential";
export { StaticTokenCredential } from "./staticToken";

/**
 * Chooses the credential the settings describe. Throws a {@link SettingsError}
 * listing what can be set when there is none.
 *
 * @param settings - the resolved provider settings
 */
export function credentialFromSettings(settings: ProviderSettings): TokenCredential {
  if (settings.accessToken) return new StaticTokenCredential(settings.accessToken);
  const token = SETTING_SOURCES.accessToken;
  throw new SettingsError(
    `No Partner Center credentials are configured: set stack config ${token.configKey} ` +
      `(pulumi config set --secret ${token.configKey} <token>) or the environment variable ${token.envVars.join(" / ")}`,
  );
}
