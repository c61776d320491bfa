/** The environment of the processes a test starts: the provider's settings from the developer's shell left out. */

/**
 * Environment variables a developer's shell may hold that would change what the provider or the CLI does; not this
 * repository's own `PULUMI_PARTNERCENTER_*` (where the built CLI is cached).
 */
const PROVIDER_ENV =
  /^(PARTNERCENTER_|AZURE_|ARM_|ACTIONS_ID_TOKEN_|SYSTEM_OIDCREQUESTURI$|SYSTEM_ACCESSTOKEN$|AZURESUBSCRIPTION_|PULUMI_(?!PARTNERCENTER_))/;

/**
 * The environment without the provider's own settings from the developer's
 * shell, and with the throttle's rate remembered nowhere unless `extra`
 * says where (a stack keeps it in its own directory: no test starts from what
 * another learned). For processes a test starts itself.
 *
 * @param extra - the settings the test gives the process
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !PROVIDER_ENV.test(name)));
  return { ...env, PARTNERCENTER_RATE_LIMIT_CACHE: "off", ...extra };
}

/**
 * Removes the provider's settings and Pulumi's own variables from this
 * process's environment. The Automation API runs the CLI with this process's
 * environment under the workspace's, so a developer's `PULUMI_BACKEND_URL` or
 * `PARTNERCENTER_ACCESS_TOKEN` would otherwise reach the engine and the
 * provider host.
 */
export function cleanProcessEnv(): void {
  for (const name of Object.keys(process.env)) if (PROVIDER_ENV.test(name)) delete process.env[name];
}
