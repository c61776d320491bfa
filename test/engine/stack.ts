/**
 * A stack under test: the Partner Center emulator and the engine model
 * running the test project (test/engine/projects/budgets) as `pulumi` would.
 * Tests declare budgets; {@link EngineDriver} writes them where the program
 * reads them and runs the command through the model.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PartnerCenterEmulator, type EmulatorOptions } from "pulumi-partnercenter/emulator";
import type { ConfigValue, ProviderHost, Props } from "./providerHost";
import type { CheckpointResource } from "./model/checkpoint";
import { PulumiModel, type CommandFlags, type CommandResult } from "./model/pulumi";

/** The UsageBudget type token. */
export const USAGE_BUDGET_TYPE = "pulumi-nodejs:dynamic/partnercenter:UsageBudget";
/** The test project: a JavaScript program that declares what {@link EngineDriver} writes. */
export const BUDGETS_PROJECT = resolve(__dirname, "../../../test/engine/projects/budgets");

/** Environment variables a developer's shell may hold that would change what the provider reads. */
const PROVIDER_ENV = /^(PARTNERCENTER_|AZURE_|ACTIONS_ID_TOKEN_|PULUMI_)/;

/**
 * The environment the engine would pass on, without the provider's own
 * settings from the developer's shell, and with the learned rate limit
 * remembered nowhere unless `extra` says where (a stack keeps it in its own
 * directory: no test starts from what another learned).
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !PROVIDER_ENV.test(name)));
  return { ...env, PARTNERCENTER_RATE_LIMIT_CACHE: "off", ...extra };
}

/** One UsageBudget the program declares. */
export interface DeclaredBudget {
  name: string;
  customerId?: unknown;
  amount?: unknown;
  onDelete?: unknown;
  /** Take the amount from another declared budget's output (unknown in a preview that creates it). */
  amountFrom?: { budget: string; output: "amount" | "previousAmount" };
  /** Resource options. */
  options?: { protect?: boolean; deleteBeforeReplace?: boolean; ignoreChanges?: string[]; retainOnDelete?: boolean };
}

/** A UsageBudgetSet the program declares. */
export interface DeclaredSet {
  name: string;
  file: string;
  onDelete?: string;
}

/** A resource's state, as tests look at it. */
export interface BudgetState {
  urn: string;
  name: string;
  id: string;
  inputs: Props;
  outputs: Props;
}

/** What a command did to one UsageBudget, in the tests' words. */
export interface BudgetStep {
  name: string;
  op: "create" | "update" | "replace" | "same" | "delete" | "refresh" | "gone" | "failed";
  error?: string;
}

/** A command's outcome for the UsageBudgets. */
export interface DriverResult {
  /** The UsageBudget steps of the last pass (the update after its preview, for `up`). */
  steps: BudgetStep[];
  /** Every error the CLI printed. */
  errors: string[];
  /** The whole result. */
  result: CommandResult;
}

/** Encodes values JSON cannot carry (NaN, ±Infinity) for the program's reviver. */
function encode(value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) return { $number: String(value) };
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, encode(inner)]));
  return value;
}

/** Runs `pulumi` commands on the test project with a given program. */
export class EngineDriver {
  /** Everything the provider hosts printed, across commands. */
  hostOutput = "";
  readonly #programFile: string;

  constructor(readonly model: PulumiModel, directory: string) {
    this.#programFile = join(directory, "program.json");
    model.env = { ...model.env, BUDGETS_PROGRAM: this.#programFile };
  }

  /** Declares what the program registers on its next run. */
  declare(budgets: DeclaredBudget[], sets: DeclaredSet[] = []): void {
    writeFileSync(this.#programFile, JSON.stringify(encode({ budgets, sets })));
  }

  /** `pulumi up` with this program. */
  up(budgets: DeclaredBudget[], flags: CommandFlags = {}, sets: DeclaredSet[] = []): Promise<DriverResult> {
    this.declare(budgets, sets);
    return this.#run(this.model.up(flags));
  }

  /**
   * Brings the stack to a given state for a test whose subject comes after:
   * `pulumi up --skip-preview`, since the preview pass is not what it tests
   * (the rules tests cover the preview pass; this saves a program run).
   */
  arrange(budgets: DeclaredBudget[], sets: DeclaredSet[] = []): Promise<DriverResult> {
    return this.up(budgets, { skipPreview: true }, sets);
  }

  /** `pulumi preview` with this program. */
  preview(budgets: DeclaredBudget[], flags: CommandFlags = {}, sets: DeclaredSet[] = []): Promise<DriverResult> {
    this.declare(budgets, sets);
    return this.#run(this.model.preview(flags));
  }

  /** `pulumi refresh`. */
  refresh(flags: CommandFlags = {}): Promise<DriverResult> {
    return this.#run(this.model.refresh(flags));
  }

  /** `pulumi destroy`. */
  destroy(flags: CommandFlags = {}): Promise<DriverResult> {
    return this.#run(this.model.destroy(flags));
  }

  /** The UsageBudgets in the checkpoint, by URN. */
  get state(): Map<string, BudgetState> {
    return new Map(
      this.model.checkpoint.deployment.resources
        .filter((resource) => resource.type === USAGE_BUDGET_TYPE)
        .map((resource) => [resource.urn, { urn: resource.urn, name: nameOf(resource.urn), id: resource.id ?? "", inputs: resource.inputs, outputs: resource.outputs }]),
    );
  }

  /** Puts a UsageBudget into the checkpoint as an earlier run (or an earlier build) left it. */
  seed(name: string, id: string, inputs: Props, outputs: Props): void {
    const resource: CheckpointResource = { urn: `urn:pulumi:${this.model.stack}::${this.model.project.name}::${USAGE_BUDGET_TYPE}::${name}`, custom: true, type: USAGE_BUDGET_TYPE, id, inputs, outputs };
    this.model.checkpoint.deployment.resources.push(resource);
  }

  async #run(command: Promise<CommandResult>): Promise<DriverResult> {
    const result = await command;
    this.hostOutput += result.passes.map((pass) => pass.hostOutput).join("");
    const steps = result.steps
      .filter((step) => step.urn.includes(`${USAGE_BUDGET_TYPE}::`))
      .map((step): BudgetStep => {
        const name = nameOf(step.urn);
        if (step.error !== undefined) return { name, op: "failed", error: step.error };
        if (step.op === "refresh") return { name, op: step.refresh === "gone" ? "gone" : "refresh" };
        return { name, op: step.op };
      });
    const errors = result.output.split("\nerror: ").slice(1).map((text) => text.split("\nResources:")[0]!.trim());
    if (result.output.startsWith("error: ")) errors.unshift(result.output.slice(7));
    return { steps, errors, result };
  }
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** A running stack fixture. */
export interface TestStack {
  emulator: PartnerCenterEmulator;
  model: PulumiModel;
  engine: EngineDriver;
  /** A UsageBudget declaration. */
  budget(name: string, inputs: Omit<DeclaredBudget, "name">): DeclaredBudget;
  /** Stops the emulator and removes the program file. */
  stop(): Promise<void>;
}

/**
 * Starts an emulator and an engine model on the test project, with the
 * emulator's endpoint and token in stack config (the token as a secret),
 * unless `config` says otherwise.
 */
export async function startStack(options: { emulator?: EmulatorOptions; config?: (emulator: PartnerCenterEmulator) => Record<string, ConfigValue>; env?: (emulator: PartnerCenterEmulator) => NodeJS.ProcessEnv; beforeHostStop?: (host: ProviderHost) => void; projectDir?: string } = {}): Promise<TestStack> {
  const emulator = await PartnerCenterEmulator.start(options.emulator);
  const directory = mkdtempSync(join(tmpdir(), "pc-stack-"));
  const config = options.config?.(emulator) ?? {
    "partnercenter:endpoint": { value: emulator.endpoint },
    "partnercenter:accessToken": { value: emulator.accessToken, secret: true },
  };
  const env = cleanEnv({ PARTNERCENTER_RATE_LIMIT_CACHE: join(directory, "rate-limits"), ...options.env?.(emulator) });
  const model = new PulumiModel({ projectDir: options.projectDir ?? BUDGETS_PROJECT, env, config, ...(options.beforeHostStop ? { beforeHostStop: options.beforeHostStop } : {}) });
  const engine = new EngineDriver(model, directory);
  return {
    emulator,
    model,
    engine,
    budget: (name, inputs) => ({ name, ...inputs }),
    stop: async () => {
      rmSync(directory, { recursive: true, force: true });
      await emulator.stop();
    },
  };
}
