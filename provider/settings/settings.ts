/**
 * The provider's settings, resolved: stack config, then the environment, then
 * defaults (the sources and shared rules are settingSources.ts, the endpoint's
 * rules endpoint.ts).
 */
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { GUID_PATTERN } from "../budget/inputs";
import { Secret } from "../shared/secret";
import { DEFAULT_ENDPOINT, isLoopbackHost, parseUrl } from "./endpoint";
import { endpointSchema } from "./endpointSchema";
import {
  NUMBER_SETTINGS,
  readNumber,
  readRaw,
  SETTING_SOURCES,
  type ConfigSource,
  type RawSetting,
  type SettingName,
  type SourcedValue,
} from "./settingSources";
import { describeValue } from "../shared/describe";
import { SettingsError } from "../shared/errors";
import { AUTH_MODES, type AuthMode, type SecretJobVariable, type SecretSetting } from "./credentialModes";

export { DEFAULT_ENDPOINT, isLoopbackHost } from "./endpoint";
export {
  NUMBER_SETTINGS,
  SETTING_SOURCES,
  type ConfigSource,
  type SettingName,
  type SettingSource,
  type SourcedValue,
} from "./settingSources";

export { AUTH_MODES, type AuthMode } from "./credentialModes";

/** The national clouds and their Entra ID authority hosts (the API base URL is the same for both). */
export const CLOUD_AUTHORITIES = {
  public: "https://login.microsoftonline.com",
  usgov: "https://login.microsoftonline.us",
} as const;

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
  /** The password of a PKCS#12 certificate or an encrypted PEM key. */
  readonly clientCertificatePassword?: SourcedValue<Secret>;
  readonly federatedTokenFile?: SourcedValue<string>;
  /** A federated (OIDC) token given as a value, e.g. by Pulumi ESC's `azure-login` as `ARM_OIDC_TOKEN`. */
  readonly oidcToken?: SourcedValue<Secret>;
  readonly refreshToken?: SourcedValue<Secret>;
  /** GitHub Actions' OIDC request URL and token, when the job has `id-token: write` (or `ARM_OIDC_REQUEST_*`), and where the URL came from. */
  readonly githubOidc?: { readonly url: string; readonly token: Secret; readonly origin: string };
  /** Azure Pipelines workload identity federation: the service connection, and what the job exposes of its OIDC endpoint. */
  readonly azurePipelines?: AzurePipelinesSettings;
  /** `ARM_USE_OIDC`: true picks the OIDC way present over a secret or certificate; false ignores the ambient ones. */
  readonly useOidc?: SourcedValue<boolean>;
}

/** What an Azure Pipelines job gives for workload identity federation. */
export interface AzurePipelinesSettings {
  /** The service connection's id, and where it came from. */
  readonly serviceConnectionId: SourcedValue<string>;
  /** Whether it was set on purpose (config, `PARTNERCENTER_*`, `ARM_*`) or only by an `AzureCLI@2` task around the step. */
  readonly explicit: boolean;
  /** `SYSTEM_OIDCREQUESTURI`: set in every pipeline job. */
  readonly requestUri: string | undefined;
  /** `SYSTEM_ACCESSTOKEN`: only when the step maps `$(System.AccessToken)` into its environment. */
  readonly accessToken: Secret | undefined;
}

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
  /** The directory where the throttle's rate is remembered between processes; undefined when `off`. */
  readonly rateLimitCache: string | undefined;
  /** What to authenticate with. */
  readonly credentials: CredentialSettings;
}

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
  const number = (name: keyof typeof NUMBER_SETTINGS): number =>
    readNumber(name, readRaw(SETTING_SOURCES[name], config, env));
  return {
    endpoint: endpoint.data.trim().replace(/\/+$/, ""),
    maxRetries: number("maxRetries"),
    timeoutSeconds: number("timeoutSeconds"),
    requestTimeoutSeconds: number("requestTimeoutSeconds"),
    maxConcurrency: number("maxConcurrency"),
    rateLimitCache: readRateLimitCache(readRaw(SETTING_SOURCES.rateLimitCache, config, env)),
    credentials: readCredentialSettings(config, env),
  };
}

/** The default directory of the throttle's remembered rate: the user's own, in the system's temporary directory. */
export const DEFAULT_RATE_LIMIT_CACHE = join(tmpdir(), `pulumi-partnercenter-${process.getuid?.() ?? "user"}`);

/** `partnercenter:rateLimitCache`: an absolute directory, or `off`; the system's temporary directory by default. */
function readRateLimitCache(raw: RawSetting | undefined): string | undefined {
  const value = raw?.value.trim();
  if (value === undefined || value === "") return DEFAULT_RATE_LIMIT_CACHE;
  if (value === "off") return undefined;
  if (!isAbsolute(value)) {
    throw new SettingsError(
      `Setting ${raw!.origin}: ${describeValue(value)} is not an absolute path; give the directory where the throttle's rate is remembered as an absolute path, or off`,
    );
  }
  return value;
}

function readCredentialSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv): CredentialSettings {
  const raw = (name: SettingName): RawSetting | undefined => readRaw(SETTING_SOURCES[name], config, env);
  // What the credential modes' table declares a secret is read as a Secret, and nothing else: the types refuse either mix-up.
  const plain = (name: Exclude<SettingName, SecretSetting>): SourcedValue<string> | undefined => {
    const found = raw(name);
    return found && { value: found.value.trim(), origin: found.origin };
  };
  const secret = (name: SecretSetting): SourcedValue<Secret> | undefined => {
    const found = raw(name);
    return found && { value: new Secret(found.value), origin: found.origin };
  };
  const jobSecret = (name: SecretJobVariable): Secret | undefined => (env[name] ? new Secret(env[name]) : undefined);
  const accessToken = bareToken(secret("accessToken"));
  const auth = plain("auth");
  if (auth && !(AUTH_MODES as readonly string[]).includes(auth.value)) {
    throw new SettingsError(
      `Setting ${auth.origin}: ${describeValue(auth.value)} is not a way to authenticate; use one of ${AUTH_MODES.join(", ")}`,
    );
  }
  const cloud = plain("cloud");
  if (cloud && !(cloud.value in CLOUD_AUTHORITIES)) {
    throw new SettingsError(
      `Setting ${cloud.origin}: ${describeValue(cloud.value)} is not a cloud; use public or usgov (Partner Center operated by 21Vianet has no usage budgets)`,
    );
  }
  const authority = plain("authority");
  if (authority) {
    if (parseUrl(authority.value)?.protocol !== "https:")
      throw new SettingsError(
        `Setting ${authority.origin}: ${describeValue(authority.value)} is not an https URL; use e.g. ${CLOUD_AUTHORITIES.public}`,
      );
  }
  const githubRequest = plain("oidcRequestUrl");
  const githubUrl = githubRequest?.value;
  const githubToken = secret("oidcRequestToken")?.value;
  if (githubRequest) {
    // The request token goes with it: over https only (http for loopback, as tests and local tools use).
    const url = parseUrl(githubRequest.value);
    if (!url || !(url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname)))) {
      throw new SettingsError(
        `Setting ${githubRequest.origin}: ${describeValue(githubRequest.value)} is not an https URL; the OIDC request token is sent only over https`,
      );
    }
  }
  const useOidc = plain("useOidc");
  if (useOidc && !/^(true|false)$/i.test(useOidc.value))
    throw new SettingsError(`Setting ${useOidc.origin}: ${describeValue(useOidc.value)} is not true or false`);
  const serviceConnectionId = plain("adoServiceConnectionId");
  if (serviceConnectionId && !GUID_PATTERN.test(serviceConnectionId.value)) {
    throw new SettingsError(
      `Setting ${serviceConnectionId.origin}: ${describeValue(serviceConnectionId.value)} is not an Azure DevOps service connection id (a GUID: the service connection's page shows it in its URL as resourceId)`,
    );
  }
  for (const name of ["tenantId", "clientId"] as const) {
    const value = plain(name);
    if (
      value &&
      !GUID_PATTERN.test(value.value) &&
      !(name === "tenantId" && /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(value.value))
    ) {
      throw new SettingsError(
        `Setting ${value.origin}: ${describeValue(value.value)} is not a ${name === "tenantId" ? "tenant id (a GUID or a domain such as partner.onmicrosoft.com)" : "client (application) id, a GUID"}`,
      );
    }
  }
  return {
    auth: auth?.value as AuthMode | undefined,
    accessToken,
    tenantId: plain("tenantId"),
    clientId: plain("clientId"),
    authority: (
      authority?.value ?? CLOUD_AUTHORITIES[(cloud?.value ?? "public") as keyof typeof CLOUD_AUTHORITIES]
    ).replace(/\/+$/, ""),
    clientSecret: secret("clientSecret"),
    clientCertificatePath: plain("clientCertificatePath"),
    clientCertificate: secret("clientCertificate"),
    clientCertificatePassword: secret("clientCertificatePassword"),
    federatedTokenFile: plain("federatedTokenFile"),
    oidcToken: secret("oidcToken"),
    refreshToken: secret("refreshToken"),
    githubOidc:
      githubUrl && githubToken ? { url: githubUrl, token: githubToken, origin: githubRequest!.origin } : undefined,
    azurePipelines: serviceConnectionId && {
      serviceConnectionId,
      explicit: !serviceConnectionId.origin.endsWith("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
      requestUri: env.SYSTEM_OIDCREQUESTURI || undefined,
      accessToken: jobSecret("SYSTEM_ACCESSTOKEN"),
    },
    useOidc: useOidc && { value: useOidc.value.toLowerCase() === "true", origin: useOidc.origin },
  };
}

/** The access token, trimmed, refused when it holds white space (a "Bearer " prefix, two tokens): never echoed. */
function bareToken(token: SourcedValue<Secret> | undefined): SourcedValue<Secret> | undefined {
  const text = token?.value.reveal().trim();
  if (token === undefined || text === undefined) return undefined;
  if (/\s/.test(text))
    throw new SettingsError(
      `Setting ${token.origin}: the access token contains white space; give the bare token, without "Bearer "`,
    );
  return { value: new Secret(text), origin: token.origin };
}
