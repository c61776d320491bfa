/**
 * A stack whose provider authenticates through the emulated Entra ID: the
 * Entra emulator, its test CA written to a file the host trusts through
 * NODE_EXTRA_CA_CERTS (as a partner behind a corporate CA would), and a
 * Partner Center emulator that accepts Entra's tokens only.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EMULATOR_CA, EntraEmulator, type EmulatorOptions, type EntraApp } from "pulumi-partnercenter/emulator";
import { startStack, type ConfigValue, type TestStack } from "./stack";

/** What a test adds to the stack: stack config, host environment, Partner Center emulator options. */
export interface EntraStackSetup {
  config?: Record<string, ConfigValue>;
  env?: Record<string, string>;
  emulator?: EmulatorOptions;
  /** Passed on to {@link startStack}: a partner's project directory with the package installed. */
  projectDir?: string;
}

/** The emulated Entra ID, a scratch directory, and at most one stack started against them. */
export class EntraFixture {
  #stack: TestStack | undefined;

  private constructor(
    /** The emulated Entra ID. */
    readonly entra: EntraEmulator,
    /** A scratch directory (removed by {@link stop}); holds ca.pem. */
    readonly dir: string,
  ) {}

  /** Starts the emulated Entra ID with these app registrations. */
  static async start(apps: EntraApp[]): Promise<EntraFixture> {
    const dir = mkdtempSync(join(tmpdir(), "pc-entra-"));
    writeFileSync(join(dir, "ca.pem"), EMULATOR_CA);
    return new EntraFixture(await EntraEmulator.start({ apps }), dir);
  }

  /** The file holding the test CA. */
  get caFile(): string {
    return join(this.dir, "ca.pem");
  }

  /** The settings that point the provider at this Entra ID for an app: tenant, client and authority. */
  appSettings(clientId: string): Record<string, ConfigValue> {
    return {
      "partnercenter:tenantId": { value: this.entra.tenantId },
      "partnercenter:clientId": { value: clientId },
      "partnercenter:authority": { value: this.entra.authority },
    };
  }

  /** Starts the provider host with the endpoint in stack config, the test CA trusted, and Entra's tokens required. */
  async startStack(setup: EntraStackSetup = {}): Promise<TestStack> {
    this.#stack = await startStack({
      emulator: { ...setup.emulator, tokenVerifier: this.entra.tokenVerifier() },
      config: (emulator) => ({ ...setup.config, "partnercenter:endpoint": { value: emulator.endpoint } }),
      env: () => ({ NODE_EXTRA_CA_CERTS: this.caFile, ...setup.env }),
      ...(setup.projectDir ? { projectDir: setup.projectDir } : {}),
    });
    return this.#stack;
  }

  /** Stops the stack, the Entra emulator, and removes the scratch directory. */
  async stop(): Promise<void> {
    await this.#stack?.stop();
    this.#stack = undefined;
    await this.entra.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
