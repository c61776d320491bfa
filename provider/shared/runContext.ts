/**
 * Who the process runs for: Pulumi (a program and its provider, set from stack config, in the directory Pulumi runs
 * the program in) or the `partnercenter-budgets` command line (set from the environment alone, in the directory the
 * user runs it from). Messages that say where a setting is set, or where a relative path resolves from, are worded
 * for it: one text each, not a copy per caller.
 */

/** Who the process runs for. */
export type RunContext = "pulumi" | "cli";

let current: RunContext = "pulumi";

/** Declares the process to be the command line; its entry point calls this before anything else. */
export function runAsCli(): void {
  current = "cli";
}

/** Who the process runs for (Pulumi unless the command line said otherwise). */
export function runContext(): RunContext {
  return current;
}
