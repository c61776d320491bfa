import { PartnerCenterError } from "./errors";
import { isIP } from "node:net";
import { z } from "zod";
import { describeValue } from "./describe";
import { GUID_PATTERN } from "./inputs";
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
  auth: { configKey: "partnercenter:auth", envVars: ["PARTNERCENTER_AUTH"] },
  tenantId: { configKey: "partnercenter:tenantId", envVars: ["PARTNERCENTER_TENANT_ID", "AZURE_TENANT_ID"] },
  clientId: { configKey: "partnercenter:clientId", envVars: ["PARTNERCENTER_CLIENT_ID", "AZURE_CLIENT_ID"] },
  authority: { configKey: "partnercenter:authority", envVars: ["PARTNERCENTER_AUTHORITY", "AZURE_AUTHORITY_HOST"] },
  cloud: { configKey: "partnercenter:cloud", envVars: ["PARTNERCENTER_CLOUD"] },
  clientSecret: { configKey: "partnercenter:clientSecret", envVars: ["PARTNERCENTER_CLIENT_SECRET", "AZURE_CLIENT_SECRET"] },
  clientCertificatePath: { configKey: "partnercenter:clientCertificatePath", envVars: ["PARTNERCENTER_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PATH"] },
  clientCertificate: { configKey: "partnercenter:clientCertificate", envVars: ["PARTNERCENTER_CLIENT_CERTIFICATE"] },
  federatedTokenFile: { configKey: "partnercenter:federatedTokenFile", envVars: ["PARTNERCENTER_FEDERATED_TOKEN_FILE", "AZURE_FEDERATED_TOKEN_FILE"] },
  refreshToken: { configKey: "partnercenter:refreshToken", envVars: ["PARTNERCENTER_REFRESH_TOKEN"] },
} as const satisfies Record<string, SettingSource>;

/** The ways to authenticate (`partnercenter:auth` forces one). */
export const AUTH_MODES = ["accessToken", "clientSecret", "clientCertificate", "federatedToken", "githubOidc", "refreshToken"] as const;
/** One way to authenticate. */
export type AuthMode = (typeof AUTH_MODES)[number];

/** The national clouds and their Entra ID authority hosts (the API base URL is the same for both). */
export const CLOUD_AUTHORITIES = { public: "https://login.microsoftonline.com", usgov: "https://login.microsoftonline.us" } as const;

/** A setting's value and where it came from (secrets wrapped). */
export interface SourcedValue<T> {
  readonly value: T;
  readonly origin: string;
}

/** The credential settings as given; {@link credentialFromSettings} chooses the mode and checks them. */
export interface CredentialSettings {
  readonly auth?: AuthMode;
  /** A bearer token used as is. */
  readonly accessToken?: SourcedValue<Secret>;
  readonly tenantId?: SourcedValue<string>;
  readonly clientId?: SourcedValue<string>;
  /** The authority host URL (from the setting, or the cloud's). */
  readonly authority: string;
  readonly clientSecret?: SourcedValue<Secret>;
  readonly clientCertificatePath?: SourcedValue<string>;
  readonly clientCertificate?: SourcedValue<Secret>;
  readonly federatedTokenFile?: SourcedValue<string>;
  readonly refreshToken?: SourcedValue<Secret>;
  /** GitHub Actions' OIDC request URL and token, when the job has `id-token: write`. */
  readonly githubOidc?: { readonly url: string; readonly token: Secret };
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

/** The provider's settings, validated. */
export interface ProviderSettings {
  /** The API base URL, without a trailing slash. */
  readonly endpoint: string;
  /** Retries after a failed attempt. */
  readonly maxRetries: number;
  /** Seconds one resource operation may take, retries and waits included. */
  readonly timeoutSeconds: number;
  /** Seconds to wait for a connection, for response headers, and between body chunks. */
  readonly requestTimeoutSeconds: number;
  /** Requests in flight at once, for the whole provider process. */
  readonly maxConcurrency: number;
  /** What to authenticate with. */
  readonly credentials: CredentialSettings;
}

/** A setting whose value cannot be used; names the setting, where it came from, the problem and the fix. */
export class SettingsError extends PartnerCenterError {
  /** @param message - the setting, where it came from, the problem and the fix */
  constructor(message: string) {
    super("PC_ERR_SETTING", message);
  }
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

/** The URL, or undefined when the text is not one. */
function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A URL as an error message may show it: anything that looks like `user:password@` replaced by `***@`. */
function withoutCredentials(text: string): string {
  return text.replace(/(\/\/)?[^\s/@]*:[^\s/@]*@/g, (_match, slashes: string | undefined) => `${slashes ?? ""}***@`);
}

const endpointSchema = z.string().superRefine((raw, ctx) => {
  const url = parseUrl(raw);
  const text = withoutCredentials(raw);
  if (!url) {
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
  } else if (url.username || url.password || /[?#]/.test(raw) || url.pathname !== "/") {
    // A path, even an empty query or fragment ("…/?", "…/#"), changes where requests go: every 404 would then be the
    // gateway's, not Partner Center's answer about a customer.
    ctx.addIssue({ code: "custom", message: `${describeValue(text)} must be the API's base URL only, with no path, credentials, query or fragment; use e.g. ${DEFAULT_ENDPOINT}` });
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
  const number = (name: keyof typeof NUMBER_SETTINGS): number => readNumber(name, readRaw(SETTING_SOURCES[name], config, env));
  return {
    endpoint: endpoint.data.trim().replace(/\/+$/, ""),
    maxRetries: number("maxRetries"),
    timeoutSeconds: number("timeoutSeconds"),
    requestTimeoutSeconds: number("requestTimeoutSeconds"),
    maxConcurrency: number("maxConcurrency"),
    credentials: readCredentialSettings(config, env),
  };
}

function readCredentialSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv): CredentialSettings {
  const raw = (name: keyof typeof SETTING_SOURCES): RawSetting | undefined => readRaw(SETTING_SOURCES[name], config, env);
  const plain = (name: keyof typeof SETTING_SOURCES): SourcedValue<string> | undefined => {
    const found = raw(name);
    return found && { value: found.value.trim(), origin: found.origin };
  };
  const secret = (name: keyof typeof SETTING_SOURCES): SourcedValue<Secret> | undefined => {
    const found = raw(name);
    return found && { value: new Secret(found.value), origin: found.origin };
  };
  const accessToken = plain("accessToken");
  if (accessToken && /\s/.test(accessToken.value)) {
    throw new SettingsError(`Setting ${accessToken.origin}: the access token contains white space; give the bare token, without "Bearer "`);
  }
  const auth = plain("auth");
  if (auth && !(AUTH_MODES as readonly string[]).includes(auth.value)) {
    throw new SettingsError(`Setting ${auth.origin}: ${describeValue(auth.value)} is not a way to authenticate; use one of ${AUTH_MODES.join(", ")}`);
  }
  const cloud = plain("cloud");
  if (cloud && !(cloud.value in CLOUD_AUTHORITIES)) {
    throw new SettingsError(`Setting ${cloud.origin}: ${describeValue(cloud.value)} is not a cloud; use public or usgov (Partner Center operated by 21Vianet has no usage budgets)`);
  }
  const authority = plain("authority");
  if (authority) {
    if (parseUrl(authority.value)?.protocol !== "https:") throw new SettingsError(`Setting ${authority.origin}: ${describeValue(authority.value)} is not an https URL; use e.g. ${CLOUD_AUTHORITIES.public}`);
  }
  const githubUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const githubToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  for (const name of ["tenantId", "clientId"] as const) {
    const value = plain(name);
    if (value && !GUID_PATTERN.test(value.value) && !(name === "tenantId" && /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(value.value))) {
      throw new SettingsError(`Setting ${value.origin}: ${describeValue(value.value)} is not a ${name === "tenantId" ? "tenant id (a GUID or a domain such as partner.onmicrosoft.com)" : "client (application) id, a GUID"}`);
    }
  }
  return {
    auth: auth?.value as AuthMode | undefined,
    accessToken: accessToken && { value: new Secret(accessToken.value), origin: accessToken.origin },
    tenantId: plain("tenantId"),
    clientId: plain("clientId"),
    authority: (authority?.value ?? CLOUD_AUTHORITIES[(cloud?.value ?? "public") as keyof typeof CLOUD_AUTHORITIES]).replace(/\/+$/, ""),
    clientSecret: secret("clientSecret"),
    clientCertificatePath: plain("clientCertificatePath"),
    clientCertificate: secret("clientCertificate"),
    federatedTokenFile: plain("federatedTokenFile"),
    refreshToken: secret("refreshToken"),
    githubOidc: githubUrl && githubToken ? { url: githubUrl, token: new Secret(githubToken) } : undefined,
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
