/**
 * Runs a Node.js Pulumi program the way `pulumi-language-nodejs` does
 * (sdk/nodejs/cmd/pulumi-language-nodejs/main.go `Run`, `execRuntime`,
 * `constructArguments`, `constructConfig`): `node @pulumi/pulumi/cmd/run`
 * resolved from the program directory, `cmd.Dir` = the program directory,
 * stack config in `PULUMI_CONFIG` with `<ns>:config:<name>` keys, the secret
 * keys in `PULUMI_CONFIG_SECRET_KEYS`, and `PULUMI_NODEJS_TYPESCRIPT=true`
 * when Pulumi.yaml's `runtime.options.typescript` says so.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { ConfigValue } from "../providerHost";
import type { Project } from "./project";

/** How one program run is started. */
export interface ProgramRun {
  project: Project;
  stack: string;
  organization: string;
  config: Record<string, ConfigValue>;
  dryRun: boolean;
  parallel: number;
  monitorAddress: string;
  engineAddress: string;
  /** The user's environment. */
  env: NodeJS.ProcessEnv;
}

/** A running program. */
export interface RunningProgram {
  /** Resolves with the exit code once the program has exited. */
  exited: Promise<number>;
  /** What the program printed. */
  output(): string;
  /** The language host's cancellation: SIGINT, then SIGKILL after 5 s (`cmd.Cancel`, `cmd.WaitDelay`). */
  cancel(): Promise<number>;
}

/** `constructConfig`: keys `<namespace>:config:<name>`, values as strings. */
export function programConfig(config: Record<string, ConfigValue>): { json: string; secretKeys: string } {
  const transformed: Record<string, string> = {};
  for (const [key, { value }] of Object.entries(config)) {
    const colon = key.indexOf(":");
    transformed[`${key.slice(0, colon)}:config:${key.slice(colon + 1)}`] = value;
  }
  const secretKeys = Object.entries(config).filter(([, value]) => value.secret).map(([key]) => key);
  return { json: JSON.stringify(transformed), secretKeys: JSON.stringify(secretKeys) };
}

/** Starts the program. */
export function runProgram(run: ProgramRun): RunningProgram {
  const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [run.project.pwd] });
  const { json, secretKeys } = programConfig(run.config);
  const args = [
    runPath,
    "--monitor", run.monitorAddress,
    "--engine", run.engineAddress,
    "--organization", run.organization,
    "--project", run.project.name,
    "--root-directory", run.project.root,
    "--stack", run.stack,
    "--pwd", run.project.pwd,
    ...(run.dryRun ? ["--dry-run"] : []),
    "--parallel", String(run.parallel),
    run.project.main,
  ];
  const env: NodeJS.ProcessEnv = { ...run.env, PULUMI_CONFIG: json, PULUMI_CONFIG_SECRET_KEYS: secretKeys };
  if (run.project.runtimeOptions.typescript === true) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  const child = spawn(process.execPath, args, { cwd: run.project.pwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "exit").then(([code, signal]) => (code ?? (signal ? 128 : 1)) as number);
  return {
    exited,
    output: () => output,
    cancel: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
