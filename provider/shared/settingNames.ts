/**
 * Every setting's names: its stack-config key and the environment variables read after it, and how a message names
 * it to whoever runs the process. A leaf every layer may cite (the client names `timeoutSeconds` in its errors)
 * without depending on how settings are read.
 */
import { runContext } from "./runContext";

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
  requestTimeoutSeconds: {
    configKey: "partnercenter:requestTimeoutSeconds",
    envVars: ["PARTNERCENTER_REQUEST_TIMEOUT_SECONDS"],
  },
  maxConcurrency: { configKey: "partnercenter:maxConcurrency", envVars: ["PARTNERCENTER_MAX_CONCURRENCY"] },
  rateLimitCache: { configKey: "partnercenter:rateLimitCache", envVars: ["PARTNERCENTER_RATE_LIMIT_CACHE"] },
  auth: { configKey: "partnercenter:auth", envVars: ["PARTNERCENTER_AUTH"] },
  tenantId: {
    configKey: "partnercenter:tenantId",
    envVars: ["PARTNERCENTER_TENANT_ID", "AZURE_TENANT_ID", "ARM_TENANT_ID"],
  },
  clientId: {
    configKey: "partnercenter:clientId",
    envVars: ["PARTNERCENTER_CLIENT_ID", "AZURE_CLIENT_ID", "ARM_CLIENT_ID"],
  },
  authority: { configKey: "partnercenter:authority", envVars: ["PARTNERCENTER_AUTHORITY", "AZURE_AUTHORITY_HOST"] },
  cloud: { configKey: "partnercenter:cloud", envVars: ["PARTNERCENTER_CLOUD"] },
  clientSecret: {
    configKey: "partnercenter:clientSecret",
    envVars: ["PARTNERCENTER_CLIENT_SECRET", "AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"],
  },
  clientCertificatePath: {
    configKey: "partnercenter:clientCertificatePath",
    envVars: ["PARTNERCENTER_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PATH", "ARM_CLIENT_CERTIFICATE_PATH"],
  },
  clientCertificate: { configKey: "partnercenter:clientCertificate", envVars: ["PARTNERCENTER_CLIENT_CERTIFICATE"] },
  clientCertificatePassword: {
    configKey: "partnercenter:clientCertificatePassword",
    envVars: [
      "PARTNERCENTER_CLIENT_CERTIFICATE_PASSWORD",
      "AZURE_CLIENT_CERTIFICATE_PASSWORD",
      "ARM_CLIENT_CERTIFICATE_PASSWORD",
    ],
  },
  federatedTokenFile: {
    configKey: "partnercenter:federatedTokenFile",
    envVars: ["PARTNERCENTER_FEDERATED_TOKEN_FILE", "AZURE_FEDERATED_TOKEN_FILE", "ARM_OIDC_TOKEN_FILE_PATH"],
  },
  oidcToken: { configKey: "partnercenter:oidcToken", envVars: ["PARTNERCENTER_OIDC_TOKEN", "ARM_OIDC_TOKEN"] },
  oidcRequestUrl: {
    configKey: "partnercenter:oidcRequestUrl",
    envVars: ["PARTNERCENTER_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL", "ARM_OIDC_REQUEST_URL"],
  },
  oidcRequestToken: {
    configKey: "partnercenter:oidcRequestToken",
    envVars: ["PARTNERCENTER_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ARM_OIDC_REQUEST_TOKEN"],
  },
  useOidc: { configKey: "partnercenter:useOidc", envVars: ["PARTNERCENTER_USE_OIDC", "ARM_USE_OIDC"] },
  adoServiceConnectionId: {
    configKey: "partnercenter:adoServiceConnectionId",
    envVars: [
      "PARTNERCENTER_ADO_SERVICE_CONNECTION_ID",
      "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID",
      "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
    ],
  },
  refreshToken: { configKey: "partnercenter:refreshToken", envVars: ["PARTNERCENTER_REFRESH_TOKEN"] },
} as const satisfies Record<string, SettingSource>;

/** A setting's name, as {@link SETTING_SOURCES} keys it. */
export type SettingName = keyof typeof SETTING_SOURCES;

/**
 * Every place a setting can be set, for messages: `stack config partnercenter:x (or A / B)` under Pulumi,
 * `environment variable A (or B / C)` in the command line, which reads no stack config.
 */
export function settingPlaces(name: SettingName): string {
  const source: SettingSource = SETTING_SOURCES[name];
  if (runContext() === "cli") {
    const [own, ...shared] = source.envVars;
    return `environment variable ${own}${shared.length > 0 ? ` (or ${shared.join(" / ")})` : ""}`;
  }
  return `stack config ${source.configKey} (or ${source.envVars.join(" / ")})`;
}

/** A setting's name as the user sets it: `partnercenter:x` under Pulumi, its own environment variable in the command line. */
export function settingName(name: SettingName): string {
  const source: SettingSource = SETTING_SOURCES[name];
  return runContext() === "cli" ? source.envVars[0]! : source.configKey;
}
