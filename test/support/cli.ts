/** The built `partnercenter-budgets` run as a child process, and a fresh emulator and scratch directory per test, for the CLI's integration tests. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { PartnerCenterEmulator, type EmulatorOptions } from "pulumi-partnercenter/emulator";
import { cleanEnv } from "./environment";

const CLI = resolve(__dirname, "../../provider/cli/main.js");

/** How a run of the CLI ended. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI with only the provider settings given (a developer's own are left out).
 *
 * @param args - the command line after the program's name
 * @param env - the provider settings
 * @param cwd - where it runs (this process's directory unless given)
 */
export async function cli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Run> {
  return promisify(execFile)(process.execPath, [CLI, ...args], {
    env: cleanEnv(env),
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

/** A budgets file declaring each customer with `amount`. */
export function budgetsFile(customerIds: readonly string[], amount: number): string {
  return `budgets:\n${customerIds.map((id) => `  - customerId: ${id}\n    amount: ${amount}\n`).join("")}`;
}

/** What each test of a block gets: a scratch directory, the emulator and the environment pointing the CLI at it. */
export interface EmulatorFixture {
  dir: string;
  emulator: PartnerCenterEmulator;
  env: NodeJS.ProcessEnv;
}

/**
 * A fresh emulator, the environment that points the CLI at it, and a scratch directory, for each test of a block.
 *
 * @param use - receives each test's fixture
 * @param options - the emulator's customers, token identity and quirks
 */
export function withEmulatorAndDirectory(use: (fixture: EmulatorFixture) => void, options: EmulatorOptions = {}): void {
  let fixture: EmulatorFixture | undefined;
  beforeEach(async () => {
    const emulator = await PartnerCenterEmulator.start(options);
    fixture = {
      dir: mkdtempSync(join(tmpdir(), "pc-cli-")),
      emulator,
      env: { PARTNERCENTER_ENDPOINT: emulator.endpoint, PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken },
    };
    use(fixture);
  });
  afterEach(async () => {
    await fixture?.emulator.stop();
    if (fixture) rmSync(fixture.dir, { recursive: true, force: true });
  });
}
