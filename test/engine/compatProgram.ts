/**
 * The compatibility lane's program, run by compat.engine.test.ts as a child
 * process under the Node.js it tests, in a partner's project directory: it
 * loads `@pulumi/pulumi` and the package from that directory (not from this
 * repository), starts the emulator, and drives one stack through the real
 * CLI: up, a change in the portal, a preview with refresh (the drift), a
 * refresh and a destroy. It prints one JSON line with what each step saw.
 *
 * Environment: `PULUMI_CLI_ROOT` (the CLI's installation root) and
 * `STACK_DIRECTORY` (where the backend and `PULUMI_HOME` live).
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as automation from "@pulumi/pulumi/automation";
import type * as partnerCenter from "pulumi-partnercenter";
import type * as emulators from "pulumi-partnercenter/emulator";

/** What the program saw, for the test to assert on. */
export interface CompatReport {
  node: string;
  pulumiSdk: string;
  packageFile: string;
  afterUp: number | null | undefined;
  upSummary: Record<string, number>;
  driftPreview: Record<string, number>;
  afterRefresh: unknown;
  afterDestroy: number | null | undefined;
  destroySummary: Record<string, number>;
}

/** A required setting of this script's environment. */
function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: compat.engine.test.ts sets it`);
  return value;
}

async function main(): Promise<CompatReport> {
  const project = process.cwd();
  const load = createRequire(join(project, "package.json"));
  const { LocalWorkspace, PulumiCommand, Stack } = load("@pulumi/pulumi/automation") as typeof automation;
  const { UsageBudget } = load("pulumi-partnercenter") as typeof partnerCenter;
  const { PartnerCenterEmulator, DEMO_CUSTOMERS } = load("pulumi-partnercenter/emulator") as typeof emulators;
  const { version: pulumiSdk } = load("@pulumi/pulumi/version") as { version: string };
  const customerId = DEMO_CUSTOMERS[0]!.id;
  const stackDirectory = setting("STACK_DIRECTORY");
  const emulator = await PartnerCenterEmulator.start({ port: 0 });
  try {
    for (const part of ["state", "home"]) mkdirSync(join(stackDirectory, part), { recursive: true });
    const backend = `file://${join(stackDirectory, "state")}`;
    const workspace = await LocalWorkspace.create({
      workDir: project,
      pulumiCommand: await PulumiCommand.get({ root: setting("PULUMI_CLI_ROOT") }),
      program: async () => {
        new UsageBudget("contoso", { customerId, amount: 1200, onDelete: "clear" });
      },
      projectSettings: { name: "budgets-compat", runtime: "nodejs", backend: { url: backend } },
      envVars: {
        PULUMI_HOME: join(stackDirectory, "home"),
        PULUMI_BACKEND_URL: backend,
        PULUMI_CONFIG_PASSPHRASE: "compat-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PARTNERCENTER_RATE_LIMIT_CACHE: "off",
      },
    });
    const stack = await Stack.create("compat", workspace);
    await stack.setAllConfig({
      "partnercenter:endpoint": { value: emulator.endpoint },
      "partnercenter:accessToken": { value: emulator.accessToken, secret: true },
    });
    const up = await stack.up({ color: "never" });
    const afterUp = emulator.budgetOf(customerId);
    emulator.setBudget(customerId, 900);
    const preview = await stack.preview({ refresh: true, color: "never" });
    await stack.refresh({ color: "never" });
    const deployment = (await stack.exportStack()).deployment as {
      resources?: { type: string; outputs?: Record<string, unknown> }[];
    };
    const afterRefresh = deployment.resources?.find((resource) => resource.type.endsWith(":UsageBudget"))?.outputs
      ?.amount;
    const destroy = await stack.destroy({ color: "never" });
    return {
      node: process.version,
      pulumiSdk,
      packageFile: load.resolve("pulumi-partnercenter"),
      afterUp,
      upSummary: (up.summary.resourceChanges ?? {}) as Record<string, number>,
      driftPreview: preview.changeSummary as Record<string, number>,
      afterRefresh,
      afterDestroy: emulator.budgetOf(customerId),
      destroySummary: (destroy.summary.resourceChanges ?? {}) as Record<string, number>,
    };
  } finally {
    await emulator.stop();
  }
}

main().then(
  (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
