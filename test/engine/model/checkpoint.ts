/**
 * The stack's state as the engine stores it in its backend (apitype
 * `DeploymentV3`, sdk/go/common/apitype/core.go `ResourceV3`): every resource
 * with its inputs, outputs, parent, provider reference and options, the
 * default provider among them with the config it was configured with.
 */
import type { ConfigValue, Props } from "../providerHost";

/** The engine's marker for a secret value in state and on the wire. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** The key holding {@link SECRET_SIG}. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** One resource in the checkpoint (`ResourceV3`). */
export interface CheckpointResource {
  urn: string;
  custom: boolean;
  type: string;
  id?: string;
  inputs: Props;
  outputs: Props;
  parent?: string;
  /** `<provider urn>::<provider id>` for custom resources. */
  provider?: string;
  protect?: boolean;
  retainOnDelete?: boolean;
  dependencies?: string[];
}

/** A stack checkpoint (`CheckpointV3`, reduced to its deployment). */
export interface Checkpoint {
  version: 3;
  deployment: { resources: CheckpointResource[] };
}

/** An empty stack. */
export function emptyCheckpoint(): Checkpoint {
  return { version: 3, deployment: { resources: [] } };
}

/** The type of the provider resource of package `pkg` (pkg/resource/deploy/providers/reference.go `MakeProviderType`). */
export function providerType(pkg: string): string {
  return `pulumi:providers:${pkg}`;
}

/** Is this resource a provider (`providers.IsProviderType`)? */
export function isProvider(resource: Pick<CheckpointResource, "type">): boolean {
  return resource.type.startsWith("pulumi:providers:");
}

/**
 * Stack config as the default provider's inputs (deploy/target.go
 * `GetPackageConfig`): every key, namespaced, values as strings, secrets
 * marked. The backend encrypts secret values with the stack's secrets
 * provider; the model encodes them (base64) so that no plain secret sits in
 * the checkpoint.
 */
export function configAsProviderInputs(config: Record<string, ConfigValue>): Props {
  return Object.fromEntries(
    Object.entries(config).map(([key, { value, secret }]) => [key, secret ? { [SIG_KEY]: SECRET_SIG, ciphertext: Buffer.from(value).toString("base64") } : value]),
  );
}

/** The config stored with a provider resource, decoded back (what the registry configures it with). */
export function providerInputsAsConfig(inputs: Props): Record<string, ConfigValue> {
  const config: Record<string, ConfigValue> = {};
  for (const [key, value] of Object.entries(inputs)) {
    if (typeof value === "string") config[key] = { value };
    else if (value && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG) {
      config[key] = { value: Buffer.from(String((value as Record<string, unknown>).ciphertext), "base64").toString(), secret: true };
    }
  }
  return config;
}

/** Removes the engine's secret wrappers (what a provider with `acceptSecrets=false` receives). */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
  return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, unwrapSecrets(inner)]));
}
