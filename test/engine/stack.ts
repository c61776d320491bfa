/**
 * A stack under test: the Partner Center emulator and the real Pulumi CLI
 * (scripts/pulumiCli.ts) running an inline program through
 * `@pulumi/pulumi/automation`, as a partner's platform or scheduled job
 * drives stacks. Tests declare budgets; {@link EngineDriver} runs the command
 * and reports what the CLI printed, its exit code, the steps from its engine
 * events and the state it wrote (`exportStack`).
 *
 * Each stack has its own file backend, `PULUMI_HOME` and work directory, so
 * nothing is shared between tests and nothing is downloaded. The work
 * directory links this repository's `node_modules`: the engine starts the
 * dynamic provider host there, and it resolves `@pulumi/pulumi` and
 * `pulumi-partnercenter/host` from it, as in a partner's project.
 */
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, type ConfigMap, type EngineEvent, type Stack } from "@pulumi/pulumi/automation";
import { UsageBudget, UsageBudgetSet } from "pulumi-partnercenter";
import { PartnerCenterEmulator, type EmulatorOptions } from "pulumi-partnercenter/emulator";
import { ensurePulumiCli, type PulumiCli } from "../../scripts/pulumiCli";
import { cleanProcessEnv } from "../support/environment";

/** The UsageBudget type token. */
export const USAGE_BUDGET_TYPE = "pulumi-nodejs:dynamic/partnercenter:UsageBudget";
/** The project every test stack belongs to. */
export const PROJECT = "budgets-under-test";
const REPO_ROOT = resolve(__dirname, "../../..");

/** One stack-config value as in Pulumi.<stack>.yaml. */
export interface ConfigValue {
  value: string;
  secret?: boolean;
}

/** A property bag as state holds it. */
export type Props = Record<string, unknown>;

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
  /** `shard` of UsageBudgetSet. */
  shard?: { index: number; count: number };
  /** `customerIds` of UsageBudgetSet. */
  customerIds?: { from?: string; to?: string };
  /** `asOneResource` of UsageBudgetSet. */
  asOneResource?: boolean;
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

/** Flags of `pulumi up`, `preview`, `refresh` and `destroy` (each where the CLI has it). */
export interface CommandFlags {
  /** `--parallel N`. */
  parallel?: number;
  /** `--continue-on-error` (up, destroy). */
  continueOnError?: boolean;
  /** `--refresh` (up, preview). */
  refresh?: boolean;
  /** `--run-program` (refresh, and up/preview with `--refresh`). */
  runProgram?: boolean;
  /** `--expect-no-changes`. */
  expectNoChanges?: boolean;
  /** `--diff`. */
  diff?: boolean;
  /** `--policy-pack <dir>` (preview, up). */
  policyPacks?: string[];
  /** `--policy-pack-config <file>`, one per pack. */
  policyPackConfigs?: string[];
}

/** What the CLI did for one command. */
export interface CommandResult {
  /** The CLI's exit code. */
  exitCode: number;
  /** Everything the CLI printed, stdout then stderr. */
  output: string;
  /** The engine events of the run, in order. */
  events: EngineEvent[];
}

/** A command's outcome for the UsageBudgets. */
export interface DriverResult {
  /** The UsageBudget steps, in the order the engine started them. */
  steps: BudgetStep[];
  /** The error diagnostics about resources, one per message. */
  errors: string[];
  /** The error diagnostics about the stack itself: the program's failure, the engine's "update failed". */
  stackErrors: string[];
  /** The whole result. */
  result: CommandResult;
}

/** A resource in the exported deployment (the fields the tests read). */
export interface StateResource {
  urn: string;
  type: string;
  custom?: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  inputs?: Props;
  outputs?: Props;
  [key: string]: unknown;
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The resource classes a program declares with: this repository's, or a copy installed elsewhere. */
export interface PackageExports {
  UsageBudget: typeof UsageBudget;
  UsageBudgetSet: typeof UsageBudgetSet;
}

/** The program the tests declare: UsageBudgets and UsageBudgetSets, and each budget's amount as a stack output. */
function programOf(
  budgets: DeclaredBudget[],
  sets: DeclaredSet[],
  { UsageBudget, UsageBudgetSet }: PackageExports,
): () => Promise<Record<string, unknown>> {
  return async () => {
    const byName: Record<string, UsageBudget> = {};
    for (const budget of budgets) {
      const amount = budget.amountFrom ? byName[budget.amountFrom.budget]![budget.amountFrom.output] : budget.amount;
      const args: Record<string, unknown> = { customerId: budget.customerId, amount };
      if ("onDelete" in budget) args.onDelete = budget.onDelete;
      byName[budget.name] = new UsageBudget(budget.name, args as never, budget.options ?? {});
    }
    for (const { name, ...args } of sets) new UsageBudgetSet(name, args as never);
    return Object.fromEntries(Object.entries(byName).map(([name, budget]) => [name, budget.amount]));
  };
}

/**
 * The UsageBudget steps of a run, from its engine events: each step as its
 * pre-event names it (a replacement's create and delete halves are folded
 * into its `replace`), `gone` for a refresh that dropped the resource (its
 * outputs event says `delete`), and `failed` for a step whose operation
 * failed or a resource whose Check failed (an error diagnostic, no step).
 */
function stepsOf(events: EngineEvent[]): BudgetStep[] {
  const steps: BudgetStep[] = [];
  const byUrn = new Map<string, BudgetStep>();
  const isBudget = (type: string | undefined) => type === USAGE_BUDGET_TYPE;
  for (const event of events) {
    const pre = event.resourcePreEvent?.metadata;
    if (pre && isBudget(pre.type) && !["create-replacement", "delete-replaced", "discard-replaced"].includes(pre.op)) {
      const step: BudgetStep = { name: nameOf(pre.urn), op: pre.op as BudgetStep["op"] };
      steps.push(step);
      byUrn.set(pre.urn, step);
    }
    const done = event.resOutputsEvent?.metadata;
    if (done && isBudget(done.type) && byUrn.get(done.urn)?.op === "refresh" && done.op === "delete")
      byUrn.get(done.urn)!.op = "gone";
    const failed = event.resOpFailedEvent?.metadata;
    if (failed && isBudget(failed.type) && byUrn.has(failed.urn)) byUrn.get(failed.urn)!.op = "failed";
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "error" && diagnostic.urn && diagnostic.urn.includes(`::${USAGE_BUDGET_TYPE}::`)) {
      let step = byUrn.get(diagnostic.urn);
      if (!step) {
        step = { name: nameOf(diagnostic.urn), op: "failed" };
        steps.push(step);
        byUrn.set(diagnostic.urn, step);
      }
      step.error = [step.error, cleanMessage(diagnostic.message)].filter(Boolean).join("\n");
    }
  }
  for (const step of steps) if (step.op !== "failed") delete step.error;
  return steps;
}

/** A diagnostic's text without the CLI's colour directives. */
function cleanMessage(message: string): string {
  return message.replace(/<\{%[^%]*%\}>/g, "").trim();
}

/** Error diagnostics, one per message: those about resources, and those about the stack itself (the program, the run). */
function errorsOf(events: EngineEvent[]): { errors: string[]; stackErrors: string[] } {
  const errors: string[] = [];
  const stackErrors: string[] = [];
  for (const event of events) {
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity !== "error") continue;
    (diagnostic.urn && !diagnostic.urn.includes("::pulumi:pulumi:Stack::") ? errors : stackErrors).push(
      cleanMessage(diagnostic.message),
    );
  }
  return { errors, stackErrors };
}

/** Runs `pulumi` commands on one stack with a program the tests declare. */
export class EngineDriver {
  /** Everything the CLI printed, across commands (what a partner's terminal or CI log would show). */
  allOutput = "";

  /**
   * @param stack - the Automation API stack
   * @param workspace - its workspace
   * @param backendDir - the file backend's directory
   * @param packageExports - where the program takes UsageBudget and UsageBudgetSet from
   */
  constructor(
    readonly stack: Stack,
    readonly workspace: LocalWorkspace,
    readonly backendDir: string,
    packageExports: PackageExports = { UsageBudget, UsageBudgetSet },
  ) {
    this.#package = packageExports;
  }

  readonly #package: PackageExports;

  /** Sets (or, with undefined, removes) variables of the CLI's environment for the next commands. */
  setEnv(values: Record<string, string | undefined>): void {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete this.workspace.envVars[name];
      else this.workspace.envVars[name] = value;
    }
  }

  /** Replaces the stack config, as `pulumi config set` would (secrets encrypted with the stack's passphrase). */
  async setConfig(config: Record<string, ConfigValue>): Promise<void> {
    const current = await this.stack.getAllConfig();
    for (const key of Object.keys(current)) if (!(key in config)) await this.stack.removeConfig(key);
    await this.stack.setAllConfig(config as ConfigMap);
  }

  /** Adds to (or changes) the stack config. */
  async addConfig(config: Record<string, ConfigValue>): Promise<void> {
    await this.stack.setAllConfig(config as ConfigMap);
  }

  /** Declares what the program registers on its next run. */
  declare(budgets: DeclaredBudget[], sets: DeclaredSet[] = []): void {
    this.workspace.program = programOf(budgets, sets, this.#package);
  }

  /** `pulumi up --yes --skip-preview` with this program (the Automation API's `up`). */
  up(budgets: DeclaredBudget[], flags: CommandFlags = {}, sets: DeclaredSet[] = []): Promise<DriverResult> {
    this.declare(budgets, sets);
    return this.#run((common) => this.stack.up({ ...common, ...this.#updateFlags(flags) }));
  }

  /** Brings the stack to a given state for a test whose subject comes after. */
  arrange(budgets: DeclaredBudget[], sets: DeclaredSet[] = []): Promise<DriverResult> {
    return this.up(budgets, {}, sets);
  }

  /** `pulumi preview` with this program. */
  preview(budgets: DeclaredBudget[], flags: CommandFlags = {}, sets: DeclaredSet[] = []): Promise<DriverResult> {
    this.declare(budgets, sets);
    return this.#run((common) => this.stack.preview({ ...common, ...this.#updateFlags(flags) }));
  }

  /** `pulumi refresh --yes --skip-preview` (with `--run-program`, the program declared last). */
  refresh(flags: CommandFlags = {}): Promise<DriverResult> {
    return this.#run((common) =>
      this.stack.refresh({
        ...common,
        ...(flags.parallel ? { parallel: flags.parallel } : {}),
        ...(flags.expectNoChanges ? { expectNoChanges: true } : {}),
        ...(flags.runProgram ? { runProgram: true } : {}),
      }),
    );
  }

  /** `pulumi destroy --yes --skip-preview`. */
  destroy(flags: CommandFlags = {}): Promise<DriverResult> {
    return this.#run((common) =>
      this.stack.destroy({
        ...common,
        ...(flags.parallel ? { parallel: flags.parallel } : {}),
        ...(flags.continueOnError ? { continueOnError: true } : {}),
      }),
    );
  }

  #updateFlags(flags: CommandFlags): Record<string, unknown> {
    return {
      ...(flags.parallel ? { parallel: flags.parallel } : {}),
      ...(flags.continueOnError ? { continueOnError: true } : {}),
      ...(flags.refresh ? { refresh: true } : {}),
      ...(flags.runProgram ? { runProgram: true } : {}),
      ...(flags.expectNoChanges ? { expectNoChanges: true } : {}),
      ...(flags.diff ? { diff: true } : {}),
      ...(flags.policyPacks ? { policyPacks: flags.policyPacks } : {}),
      ...(flags.policyPackConfigs ? { policyPackConfigs: flags.policyPackConfigs } : {}),
    };
  }

  /** The deployment's resources as the backend holds them. */
  async resources(): Promise<StateResource[]> {
    const exported = await this.stack.exportStack();
    return ((exported.deployment as { resources?: StateResource[] }).resources ?? []).slice();
  }

  /**
   * The checkpoint as the backend stores it on disk, secrets encrypted
   * (`exportStack` runs `pulumi stack export --show-secrets`, which decrypts them).
   */
  checkpointText(): string {
    return readFileSync(join(this.backendDir, ".pulumi", "stacks", PROJECT, `${this.stack.name}.json`), "utf8");
  }

  /** The UsageBudgets in state, by URN. */
  async state(): Promise<Map<string, BudgetState>> {
    const resources = await this.resources();
    return new Map(
      resources
        .filter((resource) => resource.type === USAGE_BUDGET_TYPE)
        .map((resource) => [
          resource.urn,
          {
            urn: resource.urn,
            name: nameOf(resource.urn),
            id: resource.id ?? "",
            inputs: resource.inputs ?? {},
            outputs: resource.outputs ?? {},
          },
        ]),
    );
  }

  /** The UsageBudgets in state, by name. */
  async byName(): Promise<Map<string, BudgetState>> {
    return new Map([...(await this.state()).values()].map((resource) => [resource.name, resource]));
  }

  /**
   * Puts a UsageBudget into state as an earlier run (or an earlier build of
   * the package) left it, under the stack's default provider (written as the
   * engine writes it when the stack has none yet).
   */
  async seed(name: string, id: string, inputs: Props, outputs: Props): Promise<void> {
    const exported = await this.stack.exportStack();
    const deployment = exported.deployment as { resources?: StateResource[] };
    const resources = deployment.resources ?? [];
    const prefix = `urn:pulumi:${this.stack.name}::${PROJECT}::`;
    let stackResource = resources.find((resource) => resource.type === "pulumi:pulumi:Stack");
    if (!stackResource) {
      stackResource = {
        urn: `${prefix}pulumi:pulumi:Stack::${PROJECT}-${this.stack.name}`,
        custom: false,
        type: "pulumi:pulumi:Stack",
      };
      resources.push(stackResource);
    }
    let provider = resources.find((resource) => resource.type === "pulumi:providers:pulumi-nodejs");
    if (!provider) {
      // As the engine writes the default provider of a dynamic resource: no inputs of its own (the whole stack config is sent).
      provider = {
        urn: `${prefix}pulumi:providers:pulumi-nodejs::default`,
        custom: true,
        type: "pulumi:providers:pulumi-nodejs",
        id: randomUUID(),
        inputs: {},
        outputs: {},
      };
      resources.push(provider);
    }
    resources.push({
      urn: `${prefix}${USAGE_BUDGET_TYPE}::${name}`,
      custom: true,
      type: USAGE_BUDGET_TYPE,
      id,
      inputs,
      outputs,
      parent: stackResource.urn,
      provider: `${provider.urn}::${provider.id}`,
    });
    deployment.resources = resources;
    await this.stack.importStack(exported);
  }

  async #run(
    command: (common: {
      onOutput: (text: string) => void;
      onEvent: (event: EngineEvent) => void;
      color: "never";
    }) => Promise<unknown>,
  ): Promise<DriverResult> {
    const events: EngineEvent[] = [];
    let output = "";
    let exitCode = 0;
    try {
      const result = (await command({
        onOutput: (text) => (output += text),
        onEvent: (event) => events.push(event),
        color: "never",
      })) as { stdout?: string; stderr?: string };
      output = `${result.stdout ?? output}${result.stderr ?? ""}`;
    } catch (error) {
      // The Automation API's CommandError: when the CLI exits non-zero, execa's own error (with the real exit code and
      // both streams) is its `err`, and its `code` is the API's "unknown" -2.
      const commandResult = (
        error as {
          commandResult?: {
            stdout: string;
            stderr: string;
            code: number;
            err?: { exitCode?: number; stdout?: string; stderr?: string };
          };
        }
      ).commandResult;
      if (!commandResult) throw error;
      const failed = commandResult.err;
      exitCode = typeof failed?.exitCode === "number" ? failed.exitCode : commandResult.code;
      output = `${failed?.stdout ?? (commandResult.stdout || output)}${failed?.stderr ?? commandResult.stderr}`;
    }
    this.allOutput += output;
    return { steps: stepsOf(events), ...errorsOf(events), result: { exitCode, output, events } };
  }
}

/** A state backend the CLI logs in to: its URL and the environment that grants access (e.g. an Azure Blob container). */
export interface StateBackend {
  url: string;
  env?: Record<string, string>;
}

/** A running stack fixture. */
export interface TestStack {
  emulator: PartnerCenterEmulator;
  engine: EngineDriver;
  /** The stack's own directory (backend, PULUMI_HOME, work directory, rate-limit memory). */
  directory: string;
  /** A UsageBudget declaration. */
  budget(name: string, inputs: Omit<DeclaredBudget, "name">): DeclaredBudget;
  /** Removes the stack's files and stops the emulator. */
  stop(): Promise<void>;
}

let cli: Promise<PulumiCli> | undefined;
let stackCount = 0;

/** The CLI for this process: found or built once (scripts/pulumiCli.ts). */
export function pulumiCli(): Promise<PulumiCli> {
  cli ??= ensurePulumiCli();
  return cli;
}

/**
 * A node_modules for a work directory: this repository's packages, each linked, and `pulumi-partnercenter` linked
 * to this checkout. Linking the whole directory would not do in a git worktree whose node_modules links another
 * checkout's: the package's self-link (`..`) resolves there, and the host would run the other checkout's provider.
 */
function linkModules(target: string): void {
  mkdirSync(target);
  const source = join(REPO_ROOT, "node_modules");
  for (const entry of readdirSync(source)) {
    if (entry !== "pulumi-partnercenter") symlinkSync(join(source, entry), join(target, entry), "dir");
  }
  symlinkSync(REPO_ROOT, join(target, "pulumi-partnercenter"), "dir");
}

/** A workspace and stack with their own backend, home and work directory, ready to run `program`. */
async function createStack(options: {
  directory: string;
  env?: Record<string, string>;
  config?: Record<string, ConfigValue>;
  program?: () => Promise<Record<string, unknown> | void>;
  stackName?: string;
  /** A project directory to run in (its node_modules holds the package); else one linked to this repository's. */
  workDir?: string;
  /** Another state backend than a file backend (Azure Blob on Azurite, say). */
  backend?: StateBackend;
  /** The file backend's directory: another stack's, to share (a partner's stacks of one project in one backend); else its own. */
  backendDir?: string;
  /** An installation root whose `bin/pulumi` runs instead of the CLI found (a wrapper adding flags). */
  pulumiRoot?: string;
}): Promise<{ stack: Stack; workspace: LocalWorkspace }> {
  cleanProcessEnv();
  const found = await pulumiCli();
  const root = options.pulumiRoot ?? found.root;
  const pulumiCommand = await PulumiCommand.get(root ? { root } : {});
  const backend = options.backendDir ?? join(options.directory, "state");
  const home = join(options.directory, "home");
  const workDir = options.workDir ?? join(options.directory, "work");
  for (const dir of [backend, home, workDir]) mkdirSync(dir, { recursive: true });
  // The provider host starts in the work directory and resolves @pulumi/pulumi and the package from here.
  if (!options.workDir) linkModules(join(workDir, "node_modules"));
  const stackName = options.stackName ?? `t${process.pid}x${++stackCount}`;
  const backendUrl = options.backend?.url ?? `file://${backend}`;
  const workspace = await LocalWorkspace.create({
    workDir,
    pulumiCommand,
    program: options.program ?? (async () => ({})),
    projectSettings: { name: PROJECT, runtime: "nodejs", backend: { url: backendUrl } },
    envVars: {
      ...options.backend?.env,
      PULUMI_HOME: home,
      PULUMI_BACKEND_URL: backendUrl,
      PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PARTNERCENTER_RATE_LIMIT_CACHE: join(options.directory, "rate-limits"),
      ...options.env,
    },
  });
  const stack = await pulumi.automation.Stack.create(stackName, workspace);
  if (options.config) await stack.setAllConfig(options.config as ConfigMap);
  return { stack, workspace };
}

/**
 * Starts an emulator and a stack on the real CLI, with the emulator's
 * endpoint and token in stack config (the token as a secret), unless
 * `config` says otherwise.
 */
export async function startStack(
  options: {
    emulator?: EmulatorOptions;
    config?: (emulator: PartnerCenterEmulator) => Record<string, ConfigValue>;
    env?: (emulator: PartnerCenterEmulator) => Record<string, string>;
    /** A partner's project directory: the program takes the package installed there, and the provider host runs there. */
    projectDir?: string;
    /** Another state backend than the stack's own file backend. */
    backend?: StateBackend;
    /** An installation root whose `bin/pulumi` runs instead of the CLI found (a wrapper adding flags). */
    pulumiRoot?: string;
    /** Another stack of the same project whose emulator and file backend this one shares (it stops neither). */
    shareWith?: TestStack;
  } = {},
): Promise<TestStack> {
  const shared = options.shareWith;
  const emulator = shared?.emulator ?? (await PartnerCenterEmulator.start(options.emulator));
  const stopEmulator = async (): Promise<void> => {
    if (!shared) await emulator.stop();
  };
  const directory = mkdtempSync(join(tmpdir(), "pc-stack-"));
  try {
    const config = options.config?.(emulator) ?? {
      "partnercenter:endpoint": { value: emulator.endpoint },
      "partnercenter:accessToken": { value: emulator.accessToken, secret: true },
    };
    const backendDir = shared?.engine.backendDir ?? join(directory, "state");
    const { stack, workspace } = await createStack({
      directory,
      config,
      backendDir,
      ...(options.env ? { env: options.env(emulator) } : {}),
      ...(options.projectDir ? { workDir: options.projectDir } : {}),
      ...(options.backend ? { backend: options.backend } : {}),
      ...(options.pulumiRoot ? { pulumiRoot: options.pulumiRoot } : {}),
    });
    // As the project's program resolves it (up through parent folders, through symlinks), not from this repository:
    // here the name would find the repository itself (a package's self-reference).
    const installed = options.projectDir
      ? (createRequire(join(options.projectDir, "package.json"))("pulumi-partnercenter") as PackageExports)
      : undefined;
    const engine = new EngineDriver(stack, workspace, backendDir, installed);
    return {
      emulator,
      engine,
      directory,
      budget: (name, inputs) => ({ name, ...inputs }),
      stop: async () => {
        rmSync(directory, { recursive: true, force: true });
        await stopEmulator();
      },
    };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    await stopEmulator();
    throw error;
  }
}
