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
} as const satisfies Record<string, SettingSource>;

/** The provider's settings, validated. */
export interface ProviderSettings {
  /** The API base URL, without a trailing slash. */
  readonly endpoint: string;
  /** A bearer token used as is, when one is configured. */
  readonly accessToken?: Secret;
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
  return {
    endpoint: endpoint.data.trim().replace(/\/+$/, ""),
    accessToken: tokenRaw ? new Secret(tokenRaw.value.trim()) : undefined,
  };
}
