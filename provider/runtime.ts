import { credentialFromSettings } from "./client/auth";
import { PartnerCenterClient } from "./client/partnerCenter";
import { resolveSettings, type ConfigSource, type ProviderSettings } from "./settings";

/**
 * The per-process state of the provider host: the settings from `configure`
 * and the one client (connection pool, credential) all resources share.
 */
export class ProviderRuntime {
  #settings: Promise<ProviderSettings> | undefined;
  #client: { settings: ProviderSettings; client: PartnerCenterClient } | undefined;
  readonly #env: NodeJS.ProcessEnv;

  /** @param env - the environment settings fall back to */
  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.#env = env;
  }

  /**
   * Takes the stack config. Invalid settings reject here and in every hook
   * after, with the same message.
   *
   * @param config - the stack config the host hands to `configure`
   */
  configure(config: ConfigSource | undefined): Promise<ProviderSettings> {
    const settings = new Promise<ProviderSettings>((resolve) => resolve(resolveSettings(config, this.#env)));
    this.#settings = settings;
    return settings;
  }

  /** The settings; resolved from the environment alone if `configure` never ran. */
  settings(): Promise<ProviderSettings> {
    return this.#settings ?? this.configure(undefined);
  }

  /** The client for the current settings, created on first use and then shared. */
  async client(): Promise<PartnerCenterClient> {
    const settings = await this.settings();
    if (this.#client?.settings !== settings) {
      const previous = this.#client && sameSettings(this.#client.settings, settings) ? this.#client.client : undefined;
      const client = previous ?? new PartnerCenterClient({ endpoint: settings.endpoint, credential: credentialFromSettings(settings) });
      this.#client = { settings, client };
    }
    return this.#client.client;
  }
}

/** Whether two settings describe the same endpoint and credential (so a client can be kept). */
function sameSettings(a: ProviderSettings, b: ProviderSettings): boolean {
  return a.endpoint === b.endpoint && a.accessToken?.reveal() === b.accessToken?.reveal();
}
