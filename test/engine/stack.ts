/** A stack under test: the emulator, the provider host, the engine driving it, and the example program's registrations. */
import { PartnerCenterEmulator, type EmulatorOptions } from "pulumi-partnercenter/emulator";
import { Engine, type DesiredResource } from "./engine";
import { captureProgram, PROJECT, PROJECT_DIR, type RegisteredResource } from "./program";
import { ProviderHost, type ConfigValue } from "./providerHost";

/** The UsageBudget type token. */
export const USAGE_BUDGET_TYPE = "pulumi-nodejs:dynamic/partnercenter:UsageBudget";

/** Environment variables a developer's shell may hold that would change what the provider reads. */
const PROVIDER_ENV = /^(PARTNERCENTER_|AZURE_|ACTIONS_ID_TOKEN_|PULUMI_CONFIG)/;

/** The environment the engine would pass on, without the provider's own settings from the developer's shell. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !PROVIDER_ENV.test(name)));
  return { ...env, ...extra };
}

/** A running stack fixture. */
export interface TestStack {
  emulator: PartnerCenterEmulator;
  host: ProviderHost;
  engine: Engine;
  /** The `__provider` the example program serialized. */
  provider: string;
  /** A UsageBudget declaration as the program would register it. */
  budget(name: string, inputs: Record<string, unknown>): DesiredResource;
  /** Stops the host and the emulator. */
  stop(): Promise<void>;
}

let cachedProgram: Promise<RegisteredResource[]> | undefined;

/** The example program's registrations (run once per test process). */
export function exampleProgram(): Promise<RegisteredResource[]> {
  cachedProgram ??= captureProgram({ env: cleanEnv() });
  return cachedProgram;
}

/**
 * Starts an emulator and a provider host, and configures the host with the
 * emulator's endpoint and token through stack config (the token as a secret),
 * unless `config` says otherwise.
 */
export async function startStack(options: { emulator?: EmulatorOptions; config?: (emulator: PartnerCenterEmulator) => Record<string, ConfigValue>; env?: (emulator: PartnerCenterEmulator) => NodeJS.ProcessEnv } = {}): Promise<TestStack> {
  const program = (await exampleProgram()).filter((resource) => resource.type === USAGE_BUDGET_TYPE);
  const provider = program[0]?.inputs.__provider;
  if (typeof provider !== "string") throw new Error("the example program registered no UsageBudget with a __provider");
  const emulator = await PartnerCenterEmulator.start(options.emulator);
  let host: ProviderHost | undefined;
  try {
    host = await ProviderHost.start({ projectDir: PROJECT_DIR, project: PROJECT, env: cleanEnv(options.env?.(emulator)) });
    const engine = new Engine(host, PROJECT, "dev");
    const config = options.config?.(emulator) ?? {
      "partnercenter:endpoint": { value: emulator.endpoint },
      "partnercenter:accessToken": { value: emulator.accessToken, secret: true },
    };
    await engine.configure(config);
    const started = host;
    return {
      emulator,
      host: started,
      engine,
      provider,
      budget: (name, inputs) => ({ name, type: USAGE_BUDGET_TYPE, inputs: { ...inputs, __provider: provider } }),
      stop: async () => {
        await started.stop();
        await emulator.stop();
      },
    };
  } catch (error) {
    await host?.stop();
    await emulator.stop();
    throw error;
  }
}
