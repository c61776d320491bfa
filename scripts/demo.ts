/**
 * `npm run demo`: starts the Partner Center emulator and runs the
 * repository's demo stack (Pulumi.yaml, `main: examples/index.ts`) under the
 * real Pulumi CLI against it, with a local file backend and a throwaway
 * passphrase: `up`, a change made "in the portal", then
 * `preview --refresh --diff` showing the drift and who made it.
 *
 * The CLI is `pulumi` on PATH, or the pinned one built from Go modules
 * (scripts/pulumiCli.ts). With a Node.js language host beside it or on PATH
 * (every released CLI has one; scripts/pulumiCli.ts builds one beside the
 * pinned CLI) the CLI runs the project from a shell as a partner would;
 * without one the same program runs inline through
 * `@pulumi/pulumi/automation`, and the CLI's own output is printed.
 */
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { ensurePulumiCli, languageHost, withCliOnPath, type PulumiCli } from "./pulumiCli";

const PROJECT_DIR = resolve(__dirname, "../..");
/** Pulumi runs the program (and the provider host) in the directory of `main`. */
const PROGRAM_DIR = join(PROJECT_DIR, "examples");
/** The program as compiled by `npm run build`. */
const PROGRAM_MODULE = join(PROJECT_DIR, "dist", "examples", "index.js");
/** The demo's file backend: `.pulumi-demo/` in the repository, or `$PULUMI_PARTNERCENTER_DEMO_DIR` (tests run apart). */
const BACKEND_DIR = process.env.PULUMI_PARTNERCENTER_DEMO_DIR || join(PROJECT_DIR, ".pulumi-demo");
const STACK = "demo";
const CONTOSO = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";
const PORTAL_USER = "jane.doe@partner.onmicrosoft.com";
/** Colour for a terminal, none for a log. */
const COLOR = process.stdout.isTTY ? "always" : "never";

function say(text: string): void {
  console.log(`\n[demo] ${text}`);
}

/** One step of the demo: a `pulumi` command (`args`), and what it means. */
interface Step {
  args: string[];
  run: "up" | "preview";
}

/** Runs the CLI on the project from a shell, as a partner would. */
function runShell(cli: PulumiCli, step: Step, env: NodeJS.ProcessEnv): Promise<void> {
  say(`pulumi ${step.args.join(" ")}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cli.command, step.args, { cwd: PROJECT_DIR, env, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`pulumi ${step.args.join(" ")} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}

/** The demo program, run afresh: a program run declares its resources when its module loads, as `pulumi` runs it. */
async function program(): Promise<Record<string, unknown>> {
  delete require.cache[require.resolve(PROGRAM_MODULE)];
  return { ...(require(PROGRAM_MODULE) as Record<string, unknown>) };
}

async function main(): Promise<number> {
  const cli = await ensurePulumiCli();
  const emulator = await PartnerCenterEmulator.start({ port: 0 });
  try {
    say(
      `Pulumi CLI v${cli.version} (${cli.command}); Partner Center emulator on ${emulator.endpoint} with ${emulator.customers().length} demo customers`,
    );
    rmSync(BACKEND_DIR, { recursive: true, force: true });
    // A file backend's directory must exist: the CLI does not create it.
    mkdirSync(BACKEND_DIR, { recursive: true });
    const settings: Record<string, string> = {
      PULUMI_BACKEND_URL: `file://${BACKEND_DIR}`,
      PULUMI_CONFIG_PASSPHRASE: "demo-throwaway-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PARTNERCENTER_ENDPOINT: emulator.endpoint,
      PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken,
    };
    const env = withCliOnPath(cli, { ...process.env, ...settings });
    const steps: Step[] = [
      { args: ["up", "--yes", "--stack", STACK], run: "up" },
      { args: ["preview", "--refresh", "--diff", "--stack", STACK], run: "preview" },
    ];
    const host = languageHost(cli);
    let runStep: (step: Step) => Promise<void>;
    if (host) {
      await runShell(cli, { args: ["stack", "select", "--create", STACK], run: "up" }, env);
      runStep = (step) => runShell(cli, step, env);
    } else {
      say(
        "This CLI has no Node.js language host (pulumi-language-nodejs), so the project's program runs inline through @pulumi/pulumi/automation; the output below is the CLI's own.",
      );
      // The language host would start the program in main's directory: relative paths in it resolve from there.
      process.chdir(PROGRAM_DIR);
      // The workspace reads the repository's Pulumi.yaml (it does not write one where one exists).
      const pulumiCommand = await PulumiCommand.get(cli.root ? { root: cli.root } : {});
      const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: STACK, projectName: "partnercenter-demo", program },
        { workDir: PROJECT_DIR, pulumiCommand, envVars: settings },
      );
      runStep = async (step) => {
        say(`pulumi ${step.args.join(" ")}`);
        const onOutput = (text: string) => process.stdout.write(text);
        if (step.run === "up") await stack.up({ onOutput, color: COLOR });
        else await stack.preview({ onOutput, refresh: true, diff: true, color: COLOR });
      };
    }
    await runStep(steps[0]!);
    say(
      `${PORTAL_USER} changes Contoso's budget from ${emulator.budgetOf(CONTOSO)} to 4000 in the Partner Center portal.`,
    );
    emulator.setBudget(CONTOSO, 4000, PORTAL_USER);
    await runStep(steps[1]!);
    say(
      "The refresh found the drift and who made it (lastChange): the next `pulumi up` sets Contoso back to 1200. In CI, `pulumi preview --refresh --expect-no-changes` exits 7 on such drift.",
    );
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
