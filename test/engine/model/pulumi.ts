/**
 * The `pulumi` command line, modelled: `up`, `preview`, `refresh` and
 * `destroy` on one stack of one project directory, each as the CLI runs it
 * (a preview pass first where the CLI has one, one provider host per pass,
 * the program run by the language host's rules), with a checkpoint, a
 * summary and an exit code. ENGINE.md cites the rule behind every choice.
 */
import { availableParallelism } from "node:os";
import { isDeepStrictEqual } from "node:util";
import { ProviderHost, type ConfigValue } from "../providerHost";
import { emptyCheckpoint, providerInputsAsConfig, providerType, type Checkpoint } from "./checkpoint";
import { Deployment, type Step } from "./deployment";
import { runProgram } from "./languageHost";
import { ProgramServers } from "./monitor";
import { loadProject, type Project } from "./project";

/** Flags shared by the commands. */
export interface CommandFlags {
  /** `--parallel N`; default 4 × cores (pkg/cmd/pulumi/operations/up.go `defaultParallel`). */
  parallel?: number;
  /** `--continue-on-error` (up, destroy). */
  continueOnError?: boolean;
  /** `--skip-preview` (up, refresh, destroy). */
  skipPreview?: boolean;
  /** `--refresh` (up, preview). */
  refresh?: boolean;
  /** `--expect-no-changes`. */
  expectNoChanges?: boolean;
  /** `--diff`: print each changed property. */
  diff?: boolean;
}

/** One engine pass (a preview or an update), with what it saw. */
export interface Pass {
  dryRun: boolean;
  steps: Step[];
  diagnostics: string[];
  /** What the provider hosts printed. */
  hostOutput: string;
  /** What the program printed. */
  programOutput: string;
  /** How many provider hosts the pass started. */
  hosts: number;
  /** The provider host processes' ids, for resource measurements. */
  hostPids: number[];
}

/** What a command did. */
export interface CommandResult {
  /** 0, or 255 as `cmdutil.ExitError` exits. */
  exitCode: number;
  /** What the CLI prints: steps, diagnostics, summary. */
  output: string;
  /** The passes in order (a preview pass first for `up`, `refresh`, `destroy` unless `--skip-preview`). */
  passes: Pass[];
  /** The steps of the last pass. */
  steps: Step[];
}

/** How the model is set up. */
export interface ModelOptions {
  /** The project directory (holding Pulumi.yaml). */
  projectDir: string;
  stack?: string;
  organization?: string;
  /** The user's environment (the engine passes it on to the program and the plugins). */
  env: NodeJS.ProcessEnv;
  /** The stack config, as in Pulumi.<stack>.yaml. */
  config?: Record<string, ConfigValue>;
  /** Called with each provider host just before the pass stops it (measurements of its process). */
  beforeHostStop?: (host: ProviderHost) => void;
}

/** The CLI's default `--parallel`: 4 × GOMAXPROCS, which defaults to the number of CPUs. */
export function defaultParallel(): number {
  return 4 * availableParallelism();
}

/** A stack on which `pulumi` commands run, with its checkpoint. */
export class PulumiModel {
  readonly project: Project;
  readonly stack: string;
  /** The stack config (Pulumi.<stack>.yaml); change it between commands as `pulumi config set` would. */
  config: Record<string, ConfigValue>;
  /** The user's environment; change it between commands as a shell would. */
  env: NodeJS.ProcessEnv;
  /** The stack's state in the backend. */
  checkpoint: Checkpoint = emptyCheckpoint();

  constructor(readonly options: ModelOptions) {
    this.project = loadProject(options.projectDir);
    this.stack = options.stack ?? "dev";
    this.config = options.config ?? {};
    this.env = options.env;
  }

  /** `pulumi up`: a preview pass, then the update, each with its own provider host. */
  up(flags: CommandFlags = {}): Promise<CommandResult> {
    return this.#previewThenExecute("update", flags);
  }

  /** `pulumi preview`. */
  async preview(flags: CommandFlags = {}): Promise<CommandResult> {
    return this.#result([await this.#pass("update", true, flags)], flags, "update");
  }

  /** `pulumi refresh`: a preview pass, then the refresh. */
  refresh(flags: CommandFlags = {}): Promise<CommandResult> {
    return this.#previewThenExecute("refresh", flags);
  }

  /** `pulumi destroy`: a preview pass, then the deletes. */
  destroy(flags: CommandFlags = {}): Promise<CommandResult> {
    return this.#previewThenExecute("destroy", flags);
  }

  /** pkg/backend/apply.go `PreviewThenPromptThenExecute`: the preview pass unless `--skip-preview`, then the real one. */
  async #previewThenExecute(kind: "update" | "refresh" | "destroy", flags: CommandFlags): Promise<CommandResult> {
    const passes: Pass[] = [];
    if (!flags.skipPreview) {
      const preview = await this.#pass(kind, true, flags);
      passes.push(preview);
      if (failed(preview)) return this.#result(passes, flags, kind);
    }
    passes.push(await this.#pass(kind, false, flags));
    return this.#result(passes, flags, kind);
  }

  /** The config stored with the default provider at the last update, if any. */
  storedConfig(): Record<string, ConfigValue> | undefined {
    const provider = this.checkpoint.deployment.resources.find((resource) => resource.type === providerType("pulumi-nodejs") && resource.urn.endsWith("::default"));
    return provider ? providerInputsAsConfig(provider.inputs) : undefined;
  }

  async #pass(kind: "update" | "refresh" | "destroy", dryRun: boolean, flags: CommandFlags): Promise<Pass> {
    const parallel = flags.parallel ?? defaultParallel();
    const hosts: ProviderHost[] = [];
    const start = async (config: Record<string, ConfigValue>): Promise<ProviderHost> => {
      const host = await ProviderHost.start({ projectDir: this.project.pwd, project: this.project.name, env: this.env, runtimeOptions: this.project.runtimeOptions, config: this.config });
      hosts.push(host);
      const urn = `urn:pulumi:${this.stack}::${this.project.name}::${providerType("pulumi-nodejs")}::default`;
      await host.handshake();
      await host.getPluginInfo();
      await host.checkAndDiffConfig(urn, {}, {});
      await host.configure(config);
      return host;
    };
    const stored = this.storedConfig();
    let stateHost: Promise<ProviderHost> | undefined;
    let programHost: Promise<ProviderHost> | undefined;
    const stateProvider = (): Promise<ProviderHost> => (stateHost ??= start(stored ?? this.config));
    const programProvider = (): Promise<ProviderHost> => (programHost ??= stored && isDeepStrictEqual(stored, this.config) ? stateProvider() : start(this.config));
    const deployment = new Deployment(this.checkpoint.deployment.resources, {
      project: this.project.name,
      stack: this.stack,
      dryRun,
      parallel,
      continueOnError: flags.continueOnError ?? false,
      config: this.config,
      programProvider,
      stateProvider,
    });
    let programOutput = "";
    // The engine starts the plugin when the first resource needs it; starting it while the program boots changes
    // nothing the provider sees and saves the program's start-up time (ENGINE.md, "deviations").
    if (kind === "update") programProvider().catch(() => undefined);
    try {
      if (kind === "refresh" || flags.refresh) await deployment.refreshAll();
      if (kind === "update" && !deployment.canceled) {
        const { exitCode, output } = await this.#runProgram(deployment, dryRun, parallel);
        programOutput = output;
        if (exitCode !== 0 && !deployment.canceled) {
          if (exitCode !== 32) deployment.diagnostics.push(`error: Program exited with non-zero exit code: ${exitCode}`);
          deployment.sawError = true;
        } else if (!deployment.sawError || flags.continueOnError) await deployment.deleteRemoved();
      }
      if (kind === "destroy") await deployment.deleteRemoved();
    } finally {
      for (const host of hosts) this.options.beforeHostStop?.(host);
      await Promise.all(hosts.map((host) => host.stop()));
    }
    if (!dryRun) this.checkpoint = { version: 3, deployment: { resources: deployment.resources() } };
    return {
      dryRun,
      steps: deployment.steps,
      diagnostics: deployment.diagnostics,
      hostOutput: hosts.map((host) => host.output).join(""),
      programOutput,
      hosts: hosts.length,
      hostPids: hosts.map((host) => host.pid),
    };
  }

  async #runProgram(deployment: Deployment, dryRun: boolean, parallel: number): Promise<{ exitCode: number; output: string }> {
    const servers = await ProgramServers.start(deployment);
    try {
      const program = runProgram({
        project: this.project,
        stack: this.stack,
        organization: this.options.organization ?? "organization",
        config: this.config,
        dryRun,
        parallel,
        monitorAddress: servers.monitorAddress,
        engineAddress: servers.engineAddress,
        env: this.env,
      });
      const exitCode = await Promise.race([program.exited, deployment.whenCanceled.then(() => program.cancel())]);
      return { exitCode, output: program.output() };
    } finally {
      await servers.stop();
    }
  }

  #result(passes: Pass[], flags: CommandFlags, kind: "update" | "refresh" | "destroy"): CommandResult {
    const last = passes[passes.length - 1]!;
    const lines: string[] = [];
    for (const pass of passes) {
      lines.push(pass.dryRun ? "Previewing:" : kind === "update" ? "Updating:" : kind === "refresh" ? "Refreshing:" : "Destroying:");
      for (const step of pass.steps) lines.push(stepLine(step, this.#resourceOf(step.urn), flags.diff ?? false));
      lines.push(...pass.diagnostics);
    }
    const changes = countChanges(last.steps, kind === "refresh");
    lines.push("Resources:", ...summaryLines(last.steps, last.dryRun, kind === "refresh"));
    let exitCode = passes.some(failed) ? 255 : 0;
    if (exitCode === 0 && flags.expectNoChanges && changes > 0) {
      lines.push("error: no changes were expected but changes occurred");
      exitCode = 255;
    }
    if (exitCode !== 0 && !lines.some((line) => line.startsWith("error:"))) lines.push(`error: ${kind} failed`);
    return { exitCode, output: lines.join("\n") + "\n", passes, steps: last.steps };
  }

  #resourceOf(urn: string): string {
    return urn.split("::").slice(2).join(" ");
  }
}

function failed(pass: Pass): boolean {
  return pass.steps.some((step) => step.error !== undefined) || pass.diagnostics.some((line) => line.startsWith("error:"));
}

/**
 * `engine.HasChanges`: any step other than "same". For `pulumi refresh` the
 * refresh steps are the changes; for `up/preview --refresh` they are not
 * counted (drift surfaces as the update it produces).
 */
function countChanges(steps: Step[], refreshCommand: boolean): number {
  return steps.filter((step) => !step.error && (step.op === "refresh" ? refreshCommand && step.refresh !== "unchanged" : step.op !== "same")).length;
}

function stepLine(step: Step, resource: string, diff: boolean): string {
  const symbol = { create: "+", update: "~", replace: "+-", delete: "-", same: " ", refresh: "~" }[step.op];
  const what = step.op === "refresh" ? `refresh (${step.refresh})` : step.op;
  if (step.error !== undefined) return `error: ${resource}: ${step.error}`;
  return `  ${symbol} ${resource} ${what}${diff && step.detail ? `\n      ${step.detail}` : ""}`;
}

function summaryLines(steps: Step[], dryRun: boolean, refreshCommand: boolean): string[] {
  const counts = new Map<string, number>();
  for (const step of steps) {
    if (step.error !== undefined || step.urn.includes("::pulumi:providers:") || (step.op === "refresh" && !refreshCommand)) continue;
    const key = step.op === "refresh" ? (step.refresh === "gone" ? "delete" : step.refresh === "changed" ? "update" : "same") : step.op;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const verbs: Record<string, [string, string]> = { create: ["+", "create"], update: ["~", "update"], replace: ["+-", "replace"], delete: ["-", "delete"] };
  const lines = Object.entries(verbs)
    .filter(([op]) => counts.has(op))
    .map(([op, [symbol, verb]]) => `    ${symbol} ${counts.get(op)} ${dryRun ? `to ${verb}` : `${verb === "create" ? "created" : verb === "replace" ? "replaced" : `${verb}d`}`}`);
  if (counts.has("same")) lines.push(`    ${counts.get("same")} unchanged`);
  return lines;
}

