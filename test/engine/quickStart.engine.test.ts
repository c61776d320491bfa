/**
 * The README's five-minute quick start, walked as a newcomer walks it: a
 * Pulumi.yaml project (test/engine/fixtures/quickStart, the README's files)
 * with the package installed from the tarball `npm pack` makes, the real
 * Pulumi CLI and Node.js language host run from a shell, the package's own
 * `partnercenter-emulator` command, and the portal change made over HTTP as
 * the README's curl makes it. Nothing is fetched: the project's other
 * dependencies are linked from this repository's node_modules.
 *
 * As the README does, the test sets `PULUMI_BACKEND_URL` to the project
 * directory, so that it leaves the user's own Pulumi login and ~/.pulumi alone.
 */
import { strict as assert } from "node:assert";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { request } from "undici";
import { requireLanguageHost, withCliOnPath, type PulumiCli } from "../../scripts/pulumiCli";
import { startEmulatorProcess, type EmulatorProcess } from "./emulatorProcess";
import { packedProject, type PackedProject } from "./packedProject";
import { runCommand, type ShellResult } from "./shellCommand";
import { cleanEnv } from "../support/environment";
import { pulumiCli } from "./stack";

const REPOSITORY = resolve(__dirname, "../../..");
const FIXTURE = join(REPOSITORY, "test/engine/fixtures/quickStart");
const PROJECT_FILES = ["Pulumi.yaml", "index.ts"] as const;
const CONTOSO = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";
/** The most one `pulumi` command may take on a loaded machine before the test gives up on it. */
const COMMAND_DEADLINE_MS = 240_000;

/** The fenced block of `language` in README.md's quick-start section (the first one there). */
function readmeBlock(language: string): string {
  const readme = readFileSync(join(REPOSITORY, "README.md"), "utf8");
  const section = /^## Five-minute quick start[^\n]*\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  assert.ok(section, 'README.md has no "## Five-minute quick start" section');
  const block = new RegExp("^```" + language + "\\n([\\s\\S]*?)^```", "m").exec(section)?.[1];
  assert.ok(block !== undefined, `README.md's quick start has no \`\`\`${language} block`);
  return block;
}

describe("the README's quick start: its project files", () => {
  it("are the Pulumi.yaml and index.ts this test runs (test/engine/fixtures/quickStart)", () => {
    assert.equal(
      readFileSync(join(FIXTURE, "Pulumi.yaml"), "utf8"),
      readmeBlock("yaml"),
      "README.md's quick-start Pulumi.yaml differs from the fixture: update test/engine/fixtures/quickStart/Pulumi.yaml",
    );
    assert.equal(
      readFileSync(join(FIXTURE, "index.ts"), "utf8"),
      readmeBlock("ts"),
      "README.md's quick-start index.ts differs from the fixture: update test/engine/fixtures/quickStart/index.ts",
    );
  });
});

describe("the README's quick start from a shell: the packed package in a Pulumi.yaml project, the real CLI and its Node.js language host, the package's emulator", function () {
  this.timeout(5 * COMMAND_DEADLINE_MS);
  let cli: PulumiCli;
  let project: PackedProject | undefined;
  let emulator: EmulatorProcess | undefined;

  before(async () => {
    cli = await pulumiCli();
    requireLanguageHost(cli);
    project = packedProject();
    for (const file of PROJECT_FILES) copyFileSync(join(FIXTURE, file), join(project.directory, file));
    emulator = await startEmulatorProcess(project.directory);
  });
  after(async () => {
    try {
      await emulator?.stop();
    } finally {
      project?.remove();
    }
  });

  /** `pulumi <args>` in the project directory, with the quick start's exports. */
  function pulumi(...args: string[]): Promise<ShellResult> {
    const home = join(project!.directory, ".pulumi-home");
    mkdirSync(home, { recursive: true });
    const env = cleanEnv({
      PARTNERCENTER_ENDPOINT: emulator!.endpoint,
      PARTNERCENTER_ACCESS_TOKEN: emulator!.accessToken,
      PULUMI_CONFIG_PASSPHRASE: "quickstart",
      PULUMI_BACKEND_URL: `file://${project!.directory}`,
      PULUMI_HOME: home,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    });
    return runCommand(cli.command, args, {
      cwd: project!.directory,
      env: withCliOnPath(cli, env),
      deadlineMs: COMMAND_DEADLINE_MS,
    });
  }

  /** Contoso's budget as Partner Center (the emulator) has it now. */
  async function contosoBudget(): Promise<number> {
    const response = await request(`${emulator!.endpoint}/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { authorization: `Bearer ${emulator!.accessToken}` },
    });
    assert.equal(response.statusCode, 200);
    return ((await response.body.json()) as { amount: number }).amount;
  }

  it("up adopts Contoso's budget (1000) and sets 1200; after jane's change in the portal, preview --refresh --diff shows 1200 => 4000 and who changed it; up --refresh puts 1200 back", async () => {
    const init = await pulumi("stack", "init", "dev");
    assert.equal(init.exitCode, 0, init.output);

    const up = await pulumi("up", "--yes");
    assert.equal(up.exitCode, 0, up.output);
    assert.match(up.output, /\+ 2 created/);
    assert.match(up.output, /Outputs:\n\s+contoso: 1200\n/);
    assert.equal(await contosoBudget(), 1200);
    const stateFile = join(project!.directory, "exported.json");
    const exported = await pulumi("stack", "export", "--file", stateFile);
    assert.equal(exported.exitCode, 0, exported.output);
    const budget = (
      JSON.parse(readFileSync(stateFile, "utf8")) as {
        deployment: { resources: { type: string; outputs?: Record<string, unknown> }[] };
      }
    ).deployment.resources.find((resource) => resource.type.endsWith(":UsageBudget"));
    assert.equal(budget?.outputs?.previousAmount, 1000, "the budget Contoso had before, adopted by the first up");

    // The README's curl: someone changes the budget in the portal.
    const portal = await request(`${emulator!.endpoint}/_emulator/portal/customers/${CONTOSO}/usagebudget`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${emulator!.accessToken}` },
      body: '{"amount": 4000, "user": "jane@partner.onmicrosoft.com"}',
    });
    assert.equal(portal.statusCode, 200, await portal.body.text());

    const preview = await pulumi("preview", "--refresh", "--diff");
    assert.equal(preview.exitCode, 0, preview.output);
    assert.match(
      preview.output,
      /UsageBudget: \(refresh\)\n(.*\n)*?.*::contoso\]\n\s+--outputs:--\n\s+~ amount\s+: 1200 => 4000\n\s+\+ lastChange\s+: "changed by jane@partner\.onmicrosoft\.com on \d{4}-\d\d-\d\dT[\d:.]+Z, from 1200 to 4000"/,
    );
    assert.match(preview.output, /~ amount\s+: 4000 => 1200/);
    assert.match(preview.output, /~ 1 to update/);
    assert.equal(await contosoBudget(), 4000, "a preview changes nothing");

    const repair = await pulumi("up", "--refresh", "--yes");
    assert.equal(repair.exitCode, 0, repair.output);
    assert.match(repair.output, /~ 1 updated/);
    assert.equal(await contosoBudget(), 1200);
  });
});
