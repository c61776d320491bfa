/**
 * `npm run demo`: starts the Partner Center emulator and runs the root demo
 * stack with the Pulumi CLI (local file backend, throwaway passphrase):
 * `up`, a change made "in the portal", then `preview --refresh` showing the
 * drift. Stops the emulator at the end. Without `pulumi` on PATH it uses the
 * CLI's npm launcher (`npx pulumi`), which downloads the CLI on first use.
 */
import { execFile, spawn } from "node:child_process";
import { accessSync, constants, rmSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { PartnerCenterEmulator } from "pulumi-partnercenter/emulator";

const PROJECT_DIR = resolve(__dirname, "../..");
const BACKEND_DIR = join(PROJECT_DIR, ".pulumi-demo");
const STACK = "demo";
const CONTOSO = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";
/** The Pulumi CLI's npm launcher: a small package that downloads the CLI of its own version on first use. */
const LAUNCHER = "pulumi@3.265.0";
const INSTALL_HINT = "install it from https://www.pulumi.com/docs/iac/download-install/ (version 3.139 or later), then run `npm run demo` again";

/** How to run the CLI: an executable and the arguments that come before the command's own. */
interface PulumiCommand {
  file: string;
  prefix: string[];
}

/** The `pulumi` executable on PATH, if any. */
function findPulumi(env: NodeJS.ProcessEnv): string | undefined {
  return findExecutable(env, process.platform === "win32" ? "pulumi.exe" : "pulumi");
}

/** An executable on PATH, if any. */
function findExecutable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function say(text: string): void {
  console.log(`\n[demo] ${text}`);
}

/**
 * The CLI on PATH, or else its npm launcher once it has fetched the CLI
 * (`npx --yes pulumi@… version`); the reason when neither works.
 */
async function findCli(env: NodeJS.ProcessEnv): Promise<PulumiCommand | { reason: string }> {
  const onPath = findPulumi(env);
  if (onPath) return { file: onPath, prefix: [] };
  const npx = findExecutable(env, "npx");
  if (!npx) return { reason: "no `pulumi` on PATH, and no `npx` to fetch the CLI's npm launcher" };
  say(`No \`pulumi\` on PATH: fetching the Pulumi CLI through its npm launcher (npx ${LAUNCHER}), which downloads the CLI on first use.`);
  return new Promise((resolvePromise) => {
    execFile(npx, ["--yes", LAUNCHER, "version"], { env, timeout: 300_000 }, (error, _stdout, stderr) => {
      if (!error) return resolvePromise({ file: npx, prefix: ["--yes", LAUNCHER] });
      const last = stderr.trim().split("\n").filter(Boolean).pop() ?? error.message;
      resolvePromise({ reason: `no \`pulumi\` on PATH, and its npm launcher could not get the CLI (${last.replace(/\s+/g, " ")})` });
    });
  });
}

function run(pulumi: PulumiCommand, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  say(`pulumi ${args.join(" ")}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(pulumi.file, [...pulumi.prefix, ...args], { cwd: PROJECT_DIR, env, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolvePromise() : reject(new Error(`pulumi ${args.join(" ")} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}

async function main(): Promise<number> {
  const pulumi = await findCli(process.env);
  if ("reason" in pulumi) {
    console.error(`npm run demo needs the Pulumi CLI: ${pulumi.reason}; ${INSTALL_HINT}.`);
    return 1;
  }
  const emulator = await PartnerCenterEmulator.start({ port: 0 });
  try {
    say(`Partner Center emulator on ${emulator.endpoint} with ${emulator.customers().length} demo customers`);
    rmSync(BACKEND_DIR, { recursive: true, force: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${BACKEND_DIR}`,
      PULUMI_CONFIG_PASSPHRASE: "demo-throwaway-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PARTNERCENTER_ENDPOINT: emulator.endpoint,
      PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken,
    };
    await run(pulumi, ["stack", "select", "--create", STACK], env);
    await run(pulumi, ["up", "--yes", "--stack", STACK], env);
    say(`Someone changes Contoso's budget from ${emulator.budgetOf(CONTOSO)} to 4000 in the Partner Center portal.`);
    emulator.setBudget(CONTOSO, 4000);
    await run(pulumi, ["preview", "--refresh", "--diff", "--stack", STACK], env);
    say("The refresh found the drift: the next `pulumi up` sets Contoso back to 1200. In CI, `pulumi preview --refresh --expect-no-changes` fails on such drift.");
    return 0;
  } finally {
    await emulator.stop();
    say("Emulator stopped.");
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[demo] ${(error as Error).message}`);
    process.exit(1);
  },
);
