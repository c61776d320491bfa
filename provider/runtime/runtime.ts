import { credentialFromSettings } from "../settings/credentials";
import { systemClock } from "../client/clock";
import { PartnerCenterClient } from "../client/partnerCenter";
import { DEFAULT_RETRY_POLICY } from "../client/retry/retry";
import { RequestScheduler } from "../client/throttle/scheduler";
import { limitMemoryFile, recallLimit, rememberLimit } from "./limitMemory";
import { HttpTransport } from "../client/http/transport";
import { Secret } from "../shared/secret";
import { resolveSettings, type ConfigSource, type ProviderSettings } from "../settings/settings";

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
      const client = previous ?? createClient(settings);
      this.#client = { settings, client };
    }
    return this.#client.client;
  }
}

/**
 * Builds the one client of the process from the settings: its connection
 * pool, timeouts, retry policy and scheduler, which starts from the rate an
 * earlier process reached (see limitMemory.ts) and remembers its own.
 *
 * @param settings - the resolved settings
 */
export function createClient(settings: ProviderSettings): PartnerCenterClient {
  const requestTimeoutMs = settings.requestTimeoutSeconds * 1000;
  const transport = new HttpTransport({
    connectTimeoutMs: Math.min(requestTimeoutMs, 10_000),
    requestTimeoutMs,
    maxConnections: settings.maxConcurrency,
  });
  return new PartnerCenterClient({
    endpoint: settings.endpoint,
    credential: credentialFromSettings(settings, transport.dispatcher),
    transport,
    retry: { ...DEFAULT_RETRY_POLICY, maxRetries: settings.maxRetries },
    operationTimeoutMs: settings.timeoutSeconds * 1000,
    scheduler: schedulerFor(settings),
  });
}

/** The process's scheduler, with the remembered rate of this partner unless `partnercenter:rateLimitCache` is off. */
function schedulerFor(settings: ProviderSettings): RequestScheduler {
  const file = limitMemoryFile(settings);
  if (!file) return new RequestScheduler(settings.maxConcurrency, systemClock);
  const remembered = recallLimit(file, systemClock.now());
  return new RequestScheduler(settings.maxConcurrency, systemClock, {
    ...(remembered ? { remembered } : {}),
    onLearned: (throttle) => rememberLimit(file, throttle, systemClock.now()),
  });
}

/** Whether two settings describe the same client (so the existing one, with its pool, token and scheduler, is kept). */
function sameSettings(a: ProviderSettings, b: ProviderSettings): boolean {
  return fingerprint(a) === fingerprint(b);
}

/** The settings with secrets revealed, compared in memory only: never printed or stored. */
function fingerprint(settings: ProviderSettings): string {
  return JSON.stringify(settings, (_key, value: unknown) =>
    value instanceof Secret ? `secret:${value.reveal()}` : value,
  );
}
