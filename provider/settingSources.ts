/**
 * Where settings come from and the rules they share: a stack-config key, then
 * environment variables; numbers within bounds; errors that name the setting
 * and where its value came from.
 */
import { describeValue } from "./describe";
import { PartnerCenterError } from "./errors";
import { runContext } from "./runContext";

/** Reads one stack-config key, as Pulumi's `configure` hook hands it over. */
export interface ConfigSource {
  /** The value of a namespaced key such as `partnercenter:endpoint`, if set. */
  get(key: string): string | undefined;
}

/**
 * Where one setting is read from: a stack-config key, then environment
 * variables in order. The project's own names (`PARTNERCENTER_*`) come first
 * and win; the names other Azure tools share (`AZURE_*` as `@azure/identity`
 * reads them, `ARM_*` as Terraform's azurerm and Pulumi's azure-native read
 * them) come after, and two of those with different values are refused: a
 * pipeline that sets both for different apps must say which one is Partner
 * Center's.
 */
export interface SettingSource {
  /** The namespaced stack-config key. */
  readonly configKey: string;
  /** Environment variables consulted when the stack config does not set the key, in the order they are read. */
  readonly envVars: readonly string[];
}

/** Every setting the provider reads, and where from. */
export const SETTING_SOURCES = {
  endpoint: { configKey: "partnercenter:endpoint", envVars: ["PARTNERCENTER_ENDPOINT"] },
  accessToken: { configKey: "partnercenter:accessToken", envVars: ["PARTNERCENTER_ACCESS_TOKEN"] },
  maxRetries: { configKey: "partnercenter:maxRetries", envVars: ["PARTNERCENTER_MAX_RETRIES"] },
  timeoutSeconds: { configKey: "partnercenter:timeoutSeconds", envVars: ["PARTNERCENTER_TIMEOUT_SECONDS"] },
  requestTimeoutSeconds: { configKey: "partnercenter:requestTimeoutSeconds", envVars: ["PARTNERCENTER_REQUEST_TIMEOUT_SECONDS"] },
  maxConcurrency: { configKey: "partnercenter:maxConcurrency", envVars: ["PARTNERCENTER_MAX_CONCURRENCY"] },
  rateLimitCache: { configKey: "partnercenter:rateLimitCache", envVars: ["PARTNERCENTER_RATE_LIMIT_CACHE"] },
  auth: { configKey: "partnercenter:auth", envVars: ["PARTNERCENTER_AUTH"] },
  tenantId: { configKey: "partnercenter:tenantId", envVars: ["PARTNERCENTER_TENANT_ID", "AZURE_TENANT_ID", "ARM_TENANT_ID"] },
  clientId: { configKey: "partnercenter:clientId", envVars: ["PARTNERCENTER_CLIENT_ID", "AZURE_CLIENT_ID", "ARM_CLIENT_ID"] },
  authority: { configKey: "partnercenter:authority", envVars: ["PARTNERCENTER_AUTHORITY", "AZURE_AUTHORITY_HOST"] },
  cloud: { configKey: "partnercenter:cloud", envVars: ["PARTNERCENTER_CLOUD"] },
  clientSecret: { configKey: "partnercenter:clientSecret", envVars: ["PARTNERCENTER_CLIENT_SECRET", "AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"] },
  clientCertificatePath: { configKey: "partnercenter:clientCertificatePath", envVars: ["PARTNERCENTER_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PATH", "ARM_CLIENT_CERTIFICATE_PATH"] },
  clientCertificate: { configKey: "partnercenter:clientCertificate", envVars: ["PARTNERCENTER_CLIENT_CERTIFICATE"] },
  clientCertificatePassword: {
    configKey: "partnercenter:clientCertificatePassword",
    envVars: ["PARTNERCENTER_CLIENT_CERTIFICATE_PASSWORD", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "ARM_CLIENT_CERTIFICATE_PASSWORD"],
  },
  federatedTokenFile: { configKey: "partnercenter:federatedTokenFile", envVars: ["PARTNERCENTER_FEDERATED_TOKEN_FILE", "AZURE_FEDERATED_TOKEN_FILE", "ARM_OIDC_TOKEN_FILE_PATH"] },
  oidcToken: { configKey: "partnercenter:oidcToken", envVars: ["PARTNERCENTER_OIDC_TOKEN", "ARM_OIDC_TOKEN"] },
  oidcRequestUrl: { configKey: "partnercenter:oidcRequestUrl", envVars: ["PARTNERCENTER_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL", "ARM_OIDC_REQUEST_URL"] },
  oidcRequestToken: { configKey: "partnercenter:oidcRequestToken", envVars: ["PARTNERCENTER_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ARM_OIDC_REQUEST_TOKEN"] },
  useOidc: { configKey: "partnercenter:useOidc", envVars: ["PARTNERCENTER_USE_OIDC", "ARM_USE_OIDC"] },
  adoServiceConnectionId: {
    configKey: "partnercenter:adoServiceConnectionId",
    envVars: ["PARTNERCENTER_ADO_SERVICE_CONNECTION_ID", "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"],
  },
  refreshToken: { configKey: "partnercenter:refreshToken", envVars: ["PARTNERCENTER_REFRESH_TOKEN"] },
} as const satisfies Record<string, SettingSource>;

/**
 * Every place a setting can be set, for messages: `stack config partnercenter:x (or A / B)` under Pulumi,
 * `environment variable A (or B / C)` in the command line, which reads no stack config.
 */
export function settingPlaces(name: keyof typeof SETTING_SOURCES): string {
  const source: SettingSource = SETTING_SOURCES[name];
  if (runContext() === "cli") {
    const [own, ...shared] = source.envVars;
    return `environment variable ${own}${shared.length > 0 ? ` (or ${shared.join(" / ")})` : ""}`;
  }
  return `stack config ${source.configKey} (or ${source.envVars.join(" / ")})`;
}

/** A setting's name as the user sets it: `partnercenter:x` under Pulumi, its own environment variable in the command line. */
export function settingName(name: keyof typeof SETTING_SOURCES): string {
  const source: SettingSource = SETTING_SOURCES[name];
  return runContext() === "cli" ? source.envVars[0]! : source.configKey;
}

/** A setting's value and where it came from (secrets wrapped). */
export interface SourcedValue<T> {
  readonly value: T;
  readonly origin: string;
}

/** A setting whose value cannot be used; names the setting, where it came from, the problem and the fix. */
export class SettingsError extends PartnerCenterError {
  /** @param message - the setting, where it came from, the problem and the fix */
  constructor(message: string) {
    super("PC_ERR_SETTING", message);
  }
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
export function readRaw(source: SettingSource, config: ConfigSource | undefined, env: NodeJS.ProcessEnv): RawSetting | undefined {
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

/** The numeric settings: retries, deadlines, timeouts and concurrency. */
export const NUMBER_SETTINGS = {
  maxRetries: { min: 0, max: 20, fallback: 5, integer: true, meaning: "retries of a failed request" },
  timeoutSeconds: { min: 1, max: 3600, fallback: 600, integer: false, meaning: "seconds one resource operation may take, retries included" },
  requestTimeoutSeconds: { min: 1, max: 600, fallback: 30, integer: false, meaning: "seconds to wait for a connection, the response headers, or the body" },
  // 64: the largest --parallel the benchmark matrix runs (the engine's own default is 4 × CPUs): a lower default
  // would cap the engine's parallelism where it, not the service's limit, binds (300 ms latency, --parallel 64).
  maxConcurrency: { min: 1, max: 256, fallback: 64, integer: true, meaning: "requests in flight at once" },
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
