/**
 * Where settings come from and the rules they share: a stack-config key, then
 * environment variables; numbers within bounds; errors that name the setting
 * and where its value came from.
 */
import { CLIENT_DEFAULTS } from "../client/defaults";
import { describeValue } from "../shared/describe";
import { SettingsError } from "../shared/errors";
import { runContext } from "../shared/runContext";
import type { SettingSource } from "../shared/settingNames";

export {
  SETTING_SOURCES,
  settingName,
  settingPlaces,
  type SettingName,
  type SettingSource,
} from "../shared/settingNames";

/** Reads one stack-config key, as Pulumi's `configure` hook hands it over. */
export interface ConfigSource {
  /** The value of a namespaced key such as `partnercenter:endpoint`, if set. */
  get(key: string): string | undefined;
}

/** A setting's value and where it came from (secrets wrapped). */
export interface SourcedValue<T> {
  readonly value: T;
  readonly origin: string;
}

/** A raw value and the place it was read from (for error messages). */
export interface RawSetting {
  value: string;
  origin: string;
}

/** Whether two values say the same: equal once trimmed, and GUIDs in any case. */
function sameSettingValue(a: string, b: string): boolean {
  const [x, y] = [a.trim(), b.trim()];
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  return x === y || (guid.test(x) && x.toLowerCase() === y.toLowerCase());
}

/** Whether an environment variable is the project's own (it wins over the names other tools share). */
function isOwnName(name: string): boolean {
  return name.startsWith("PARTNERCENTER_");
}

/**
 * A setting's raw value: stack config first, then the project's own
 * environment variables in order, then the shared ones (see
 * {@link SettingSource}), which must agree when several are set.
 */
export function readRaw(
  source: SettingSource,
  config: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
): RawSetting | undefined {
  const fromConfig = safeGet(config, source.configKey);
  if (fromConfig !== undefined && fromConfig !== "") {
    return { value: fromConfig, origin: `stack config ${source.configKey}` };
  }
  const set = source.envVars.filter((name) => env[name] !== undefined && env[name] !== "");
  const own = set.find(isOwnName);
  if (own !== undefined) return { value: env[own]!, origin: `environment variable ${own}` };
  const [first, ...others] = set;
  if (first === undefined) return undefined;
  const differing = others.find((name) => !sameSettingValue(env[name]!, env[first]!));
  if (differing !== undefined) {
    // Never the values: either may be a secret.
    const own = source.envVars.find(isOwnName);
    const readFirst = runContext() === "cli" ? (own ?? first) : `${source.configKey} (or ${own ?? "the stack config"})`;
    throw new SettingsError(
      `Conflicting values for ${runContext() === "cli" ? (own ?? first) : source.configKey}: environment variables ${first} and ${differing} differ; ` +
        `unset one, or set ${readFirst}, which is read first`,
    );
  }
  return { value: env[first]!, origin: `environment variable ${first}` };
}

/** The host hands over a Config even when the engine sent no Configure; reading it may then throw. */
function safeGet(config: ConfigSource | undefined, key: string): string | undefined {
  try {
    const value = config?.get(key);
    return typeof value === "string" ? value : value === undefined || value === null ? undefined : String(value);
  } catch {
    return undefined;
  }
}

/** A numeric setting's bounds and default. */
interface NumberRule {
  readonly min: number;
  readonly max: number;
  readonly fallback: number;
  readonly integer: boolean;
  readonly meaning: string;
}

/** The numeric settings: retries, deadlines, timeouts and concurrency; their fallbacks are the client's defaults. */
export const NUMBER_SETTINGS = {
  maxRetries: {
    min: 0,
    max: 20,
    fallback: CLIENT_DEFAULTS.maxRetries,
    integer: true,
    meaning: "retries of a failed request",
  },
  timeoutSeconds: {
    min: 1,
    max: 3600,
    fallback: CLIENT_DEFAULTS.operationTimeoutMs / 1000,
    integer: false,
    meaning: "seconds one resource operation may take, retries included",
  },
  requestTimeoutSeconds: {
    min: 1,
    max: 600,
    fallback: CLIENT_DEFAULTS.requestTimeoutMs / 1000,
    integer: false,
    meaning: "seconds to wait for a connection, the response headers, or the body",
  },
  maxConcurrency: {
    min: 1,
    max: 256,
    fallback: CLIENT_DEFAULTS.maxInFlight,
    integer: true,
    meaning: "requests in flight at once",
  },
} as const satisfies Record<string, NumberRule>;

/** A numeric setting's value, checked against its rule; its default when not set. */
export function readNumber(name: keyof typeof NUMBER_SETTINGS, raw: RawSetting | undefined): number {
  const rule: NumberRule = NUMBER_SETTINGS[name];
  if (raw === undefined) return rule.fallback;
  const text = raw.value.trim();
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  const kind = rule.integer ? "a whole number" : "a number";
  if (Number.isNaN(value) || (rule.integer && !Number.isInteger(value)) || value < rule.min || value > rule.max) {
    throw new SettingsError(
      `Setting ${raw.origin}: ${describeValue(raw.value)} is not ${kind} from ${rule.min} to ${rule.max} (${rule.meaning}); the default is ${rule.fallback}`,
    );
  }
  return value;
}
