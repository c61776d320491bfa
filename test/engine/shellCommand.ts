/**
 * One command run to its end as a shell runs it (no Automation API): its
 * exit code and everything it printed, under a deadline.
 */
import { spawn } from "node:child_process";

/** The most output kept from one command (its end, where the summary is). */
const MAX_OUTPUT = 200_000;

/** What a command did. */
export interface ShellResult {
  /** Its exit code; `null` when a signal (the deadline's SIGKILL among them) ended it. */
  exitCode: number | null;
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
}

/** Runs `command args` in `cwd` with exactly `env`; kills it at `deadlineMs` and says so in the output. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; deadlineMs: number },
): Promise<ShellResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-MAX_OUTPUT);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.deadlineMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not start: ${error.message}`));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      const note = timedOut
        ? `\n[killed: \`${[command, ...args].join(" ")}\` did not finish within ${options.deadlineMs / 1000} s]`
        : "";
      resolvePromise({ exitCode: timedOut ? null : code, output: output + note });
    });
  });
}
