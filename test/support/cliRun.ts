/** Running `partnercenter-budgets` as a user would, against a fresh emulator: the helpers the CLI's integration tests share. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { cleanEnv } from "../engine/stack";

/** The built CLI's entry point. */
const CLI = resolve(__dirname, "../../provider/cli/main.js");

/** How one run of the CLI ended. */
export interface Run {
  /** The exit code. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in a child process, as a user would.
 *
 * @param args - the arguments after the program's name
 * @param env - the environment, on top of a clean one
 * @param cwd - the directory it runs in
 */
export async function cli(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return promisify(execFile)(process.execPath, [CLI, ...args], { env: cleanEnv(env), cwd, maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** A budgets file declaring each customer with `amount`. */
export function budgetsFile(customerIds: readonly string[], amount: number): string {
  return `budgets:\n${customerIds.map((id) => `  - customerId: ${id}\n    amount: ${amount}\n`).join("")}`;
}

/** What each test of a block gets: a scratch directory, a fresh emulator and the environment that points the CLI at it. */
export interface EmulatorFixture {
  dir: string;
  emulator: PartnerCenterEmulator;
  env: NodeJS.ProcessEnv;
}

/**
 * A fresh emulator, the environment that points the CLI at it, and a scratch directory, for each test of a block.
 *
 * @param use - receives each test's fixture (assign it to the block's variables)
 * @param start - how to start the emulator (the demo customers by default)
 */
export function withEmulatorAndDirectory(use: (fixture: EmulatorFixture) => void, start: () => Promise<PartnerCenterEmulator> = () => PartnerCenterEmulator.start()): void {
  let fixture: EmulatorFixture | undefined;
  beforeEach(async () => {
    const emulator = await start();
    fixture = { dir: mkdtempSync(join(tmpdir(), "pc-cli-")), emulator, env: { PARTNERCENTER_ENDPOINT: emulator.endpoint, PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken } };
    use(fixture);
  });
  afterEach(async () => {
    await fixture?.emulator.stop();
    if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
  });
}
