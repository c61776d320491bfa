import { isIP } from "node:net";
import { z } from "zod";
import { describeValue } from "./describe";
import { Secret } from "./secret";

/** Reads one stack-config key, as Pulumi's `configure` hook hands it over. */
export interface ConfigSource {
  /** The value of a namespaced key such as `partnercenter:endpoint`, if set. */
  get(key: string): string | undefined;
}

/** The public Partner Center API. */
export const DEFAULT_ENDPOINT = "https://api.partnercenter.microsoft.com";

/** Where one setting is read from: a stack-config key, then environment variables in order. */
export interface SettingSource {
  /** The namespaced stack-config key. */
  readonly configKey: string;
  /** Environment variables consulted when the stack config does not set the key. */
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
} as const satisfies Record<string, SettingSource>;

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
  // 32: measured with npm run bench (N=1000, 100 req/s): at 40 ms latency 16 and 32 both reach the service's
  // bound; at 200 ms (closer to real Partner Center round trips) 16 takes 26.5 s where 32 takes 20.7 s (bound 20 s).
  maxConcurrency: { min: 1, max: 256, fallback: 32, integer: true, meaning: "requests in flight at once" },
} as const satisfies Record<string, NumberRule>;

/** The provider's settings, validated. */
export interface ProviderSettings {
  /** The API base URL, without a trailing slash. */
  readonly endpoint: string;
  /** A bearer token used as is, when one is configured. */
  readonly accessToken?: Secret;
  /** Retries after a failed attempt. */
  readonly maxRetries: number;
  /** Seconds one resource operation may take, retries and waits included. */
  readonly timeoutSeconds: number;
  /** Seconds to wait for a connection, for response headers, and between body chunks. */
  readonly requestTimeoutSeconds: number;
  /** Requests in flight at once, for the whole provider process. */
  readonly maxConcurrency: number;
}

/** A setting whose value cannot be used; names the setting, where it came from, the problem and the fix. */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

/** A raw value and the place it was read from (for error messages). */
interface RawSetting {
  value: string;
  origin: string;
}

function readRaw(source: SettingSource, config: ConfigSource | undefined, env: NodeJS.ProcessEnv): RawSetting | undefined {
  const fromConfig = safeGet(config, source.configKey);
  if (fromConfig !== undefined && fromConfig !== "") {
    return { value: fromConfig, origin: `stack config ${source.configKey}` };
  }
  for (const name of source.envVars) {
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, origin: `environment variable ${name}` };
  }
  return undefined;
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

/** Hosts that may be reached over plain http: the loopback interface only. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

const endpointSchema = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: "custom", message: `${describeValue(text)} is not a URL; use e.g. ${DEFAULT_ENDPOINT}` });
    return;
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    ctx.addIssue({
      code: "custom",
      message: `${describeValue(text)} uses plain http to a host that is not loopback; use https (http is accepted for 127.0.0.1, localhost and [::1] only)`,
    });
  } else if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `${describeValue(text)} is not an http(s) URL; use e.g. ${DEFAULT_ENDPOINT}` });
  } else if (url.search || url.hash || url.username || url.password) {
    ctx.addIssue({ code: "custom", message: `${describeValue(text)} must not carry credentials, a query or a fragment; give the base URL only` });
  }
});

/**
 * Resolves the provider's settings: stack config first, then the environment,
 * then defaults. Throws a {@link SettingsError} naming the setting, its origin,
 * the problem and the fix; never echoes a secret's value.
 *
 * @param config - the stack config from the `configure` hook, if any
 * @param env - the environment (defaults to `process.env`)
 */
export function resolveSettings(config?: ConfigSource, env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  const endpointRaw = readRaw(SETTING_SOURCES.endpoint, config, env);
  const endpointText = endpointRaw?.value ?? DEFAULT_ENDPOINT;
  const endpoint = endpointSchema.safeParse(endpointText.trim());
  if (!endpoint.success) {
    throw new SettingsError(`Setting ${endpointRaw?.origin ?? "endpoint"}: ${endpoint.error.issues[0]?.message}`);
  }
  const tokenRaw = readRaw(SETTING_SOURCES.accessToken, config, env);
  if (tokenRaw && /\s/.test(tokenRaw.value.trim())) {
    throw new SettingsError(
      `Setting ${tokenRaw.origin}: the access token contains white space; give the bare token, without "Bearer "`,
    );
  }
  const number = (name: keyof typeof NUMBER_SETTINGS): number => readNumber(name, readRaw(SETTING_SOURCES[name], config, env));
  return {
    endpoint: endpoint.data.trim().replace(/\/+$/, ""),
    accessToken: tokenRaw ? new Secret(tokenRaw.value.trim()) : undefined,
    maxRetries: number("maxRetries"),
    timeoutSeconds: number("timeoutSeconds"),
    requestTimeoutSeconds: number("requestTimeoutSeconds"),
    maxConcurrency: number("maxConcurrency"),
  };
}

function readNumber(name: keyof typeof NUMBER_SETTINGS, raw: RawSetting | undefined): number {
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
