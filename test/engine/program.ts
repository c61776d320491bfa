/** Runs the example program as a user's stack would register it, and returns what it registered. */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import type { Props } from "./providerHost";

/** The repository root: the demo stack's project directory. */
export const PROJECT_DIR = resolve(__dirname, "../../..");
/** The demo stack's project name (Pulumi.yaml). */
export const PROJECT = "partnercenter-demo";
/** The compiled example program (the program `main: examples/` points at). */
export const EXAMPLE_PROGRAM = resolve(PROJECT_DIR, "dist/examples/index.js");

/** One resource as the program registered it. */
export interface RegisteredResource {
  type: string;
  name: string;
  inputs: Props;
}

/**
 * Runs a program under `pulumi.runtime.setMocks` in a child process, from the
 * project directory, so that the package resolves by name from
 * `node_modules` as in a user's project.
 *
 * @param options.config - stack config (`PULUMI_CONFIG`), values as strings
 * @param options.env - extra environment for the program
 */
export async function captureProgram(options: { program?: string; stack?: string; config?: Record<string, string>; env?: NodeJS.ProcessEnv } = {}): Promise<RegisteredResource[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [resolve(__dirname, "captureProgramMain.js"), options.program ?? EXAMPLE_PROGRAM, PROJECT, options.stack ?? "dev"],
    {
      cwd: PROJECT_DIR,
      env: { ...process.env, ...options.env, PULUMI_CONFIG: JSON.stringify(options.config ?? {}) },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const line = stdout.split("\n").find((text) => text.startsWith("REGISTERED "));
  if (!line) throw new Error(`the program registered nothing: ${stdout}`);
  return JSON.parse(line.slice("REGISTERED ".length)) as RegisteredResource[];
}
