import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { PULUMI_CLI } from "../support/examplePipelines";

const DIR = resolve(__dirname, "../../../examples/github");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  steps: Step[];
  strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown> };
  concurrency?: { group?: string; "cancel-in-progress"?: boolean };
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

function load(name: string): { text: string; workflow: Workflow; pulumi: Step } {
  const text = readFileSync(`${DIR}/${name}`, "utf8");
  const workflow = parse(text) as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const pulumi = steps.find((step) => step.uses === "pulumi/actions@v6" || /\bpulumi@[\d.]+ /.test(step.run ?? ""));
  assert.ok(pulumi, `${name} runs pulumi (pulumi/actions@v6 or the CLI's npm launcher)`);
  assert.ok(
    steps.some((step) => step.uses === "pulumi/auth-actions@v1"),
    `${name} logs in to Pulumi Cloud with OIDC`,
  );
  assert.ok(
    steps.some((step) => step.run === "npm ci"),
    `${name} installs from the lockfile`,
  );
  return { text, workflow, pulumi };
}

describe("the GitHub workflows in examples/github", () => {
  for (const name of ["preview.yml", "up.yml", "drift.yml", "up-shards.yml"]) {
    it(`${name} takes the stack, the paths and --parallel from repository variables, and cites only pages that exist`, () => {
      const { text, workflow } = load(name);
      for (const variable of ["PULUMI_STACK", "PULUMI_PROJECT_DIR", "BUDGETS_FILE", "POLICY_PACK", "PULUMI_PARALLEL"]) {
        assert.match(
          workflow.env[variable] ?? "",
          new RegExp(`^\\$\\{\\{ vars\\.${variable}( \\|\\| '[^']+')? \\}\\}$`),
          `${variable} comes from a repository variable`,
        );
      }
      assert.doesNotMatch(
        text,
        /partnercenter-demo|examples\/budgets|examples\/index/,
        "no path or stack of this repository's own demo",
      );
      const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
      for (const step of steps.filter((step) => step.uses?.startsWith("pulumi/actions@")))
        assert.equal(step.with?.parallel, "${{ env.PULUMI_PARALLEL }}", "pulumi/actions defaults to unbounded");
      for (const [, page] of text.matchAll(/\b(docs\/[\w-]+\.md)/g))
        assert.ok(existsSync(resolve(__dirname, "../../..", page!)), `${name} cites ${page}, which exists`);
      assert.doesNotMatch(text, /README, "/, "no README section cited by name");
    });
    it(`${name} parses, authenticates through GitHub OIDC and uses no stored secret`, () => {
      const { text, workflow } = load(name);
      assert.equal(workflow.permissions["id-token"], "write");
      assert.doesNotMatch(text, /secrets\./, "no stored secret");
      assert.equal(workflow.env.AZURE_CLIENT_ID, "${{ vars.PARTNER_CENTER_APP_ID }}");
      assert.equal(workflow.env.AZURE_TENANT_ID, "${{ vars.PARTNER_TENANT_ID }}");
    });
  }

  it("on a pull request, previews with the policies and comments the diff", () => {
    const { workflow, pulumi } = load("preview.yml");
    assert.ok("pull_request" in workflow.on);
    assert.equal(workflow.permissions["pull-requests"], "write");
    assert.deepEqual(pulumi.with, {
      command: "preview",
      "stack-name": "${{ env.PULUMI_STACK }}",
      "work-dir": "${{ env.PULUMI_PROJECT_DIR }}",
      parallel: "${{ env.PULUMI_PARALLEL }}",
      diff: true,
      "comment-on-pr": true,
      policyPacks: "${{ github.workspace }}/${{ env.POLICY_PACK }}",
    });
  });

  it("on merge to main, runs up", () => {
    const { workflow, pulumi } = load("up.yml");
    assert.deepEqual((workflow.on.push as { branches: string[] }).branches, ["main"]);
    const args = (pulumi.run ?? "").split(/\s+/);
    assert.equal(args[2], `pulumi@${PULUMI_CLI}`, "the CLI version every example pipeline pins");
    assert.equal(args[3], "up");
    for (const flag of ["--yes", "--continue-on-error", "--parallel"])
      assert.ok(args.includes(flag), `up passes ${flag}`);
    assert.equal(args[args.indexOf("--parallel") + 1], '"$PULUMI_PARALLEL"');
    assert.equal(args[args.indexOf("--stack") + 1], '"$PULUMI_STACK"');
    assert.equal(args[args.indexOf("--policy-pack") + 1], '"$GITHUB_WORKSPACE/$POLICY_PACK"');
  });

  it("for large partners, runs up on every shard of the budgets file as a matrix: one stack per shard, each told its index and the one count", () => {
    const { workflow, pulumi } = load("up-shards.yml");
    assert.deepEqual((workflow.on.push as { branches: string[] }).branches, ["main"]);
    const job = Object.values(workflow.jobs)[0]!;
    const shards = job.strategy?.matrix?.shard as number[];
    assert.ok(Array.isArray(shards) && shards.length > 1, "a matrix of shards");
    assert.deepEqual(
      shards,
      shards.map((_, index) => index),
      "shards numbered 0 to count - 1",
    );
    assert.equal(job.strategy?.["fail-fast"], false, "one shard's failure does not cancel the others");
    assert.equal(
      job.concurrency?.group,
      "budgets-${{ vars.PULUMI_STACK }}-shard-${{ matrix.shard }}",
      "never two updates of one shard's stack at once",
    );
    assert.equal(job.concurrency?.["cancel-in-progress"], false);
    const args = (pulumi.run ?? "").split(/\s+/);
    assert.equal(args[2], `pulumi@${PULUMI_CLI}`, "the CLI version every example pipeline pins");
    assert.equal(args[3], "up");
    for (const flag of ["--yes", "--continue-on-error", "--parallel"])
      assert.ok(args.includes(flag), `up passes ${flag}`);
    assert.equal(args[args.indexOf("--policy-pack") + 1], '"$GITHUB_WORKSPACE/$POLICY_PACK"');
    assert.ok(pulumi.run!.includes('--stack "$PULUMI_STACK-shard-${{ matrix.shard }}"'), "a stack per shard");
    const config = args.flatMap((arg, index) => (arg === "--config" ? [args[index + 1]!] : []));
    assert.deepEqual(
      config,
      ["shardIndex=${{", "shardCount=" + shards.length],
      "each stack gets its index and the count the matrix has",
    );
    assert.ok(pulumi.run!.includes("--config shardIndex=${{ matrix.shard }}"));
  });

  it("for large partners, each shard's job then diffs its own shard of the file (the index and count its stack has), into the job summary", () => {
    const { workflow } = load("up-shards.yml");
    const job = Object.values(workflow.jobs)[0]!;
    const shards = job.strategy?.matrix?.shard as number[];
    const check = job.steps.find((step) => (step.run ?? "").includes("partnercenter-budgets diff"));
    assert.ok(check, "up-shards.yml diffs each shard");
    assert.ok(
      job.steps.indexOf(check) > job.steps.findIndex((step) => /\bpulumi@[\d.]+ up\b/.test(step.run ?? "")),
      "after the update",
    );
    assert.match(
      check.run!,
      new RegExp(
        `partnercenter-budgets diff "\\$BUDGETS_FILE" --shard \\$\\{\\{ matrix\\.shard \\}\\}/${shards.length} --format markdown > drift.md\n`,
      ),
      "its own shard, of the count the matrix has",
    );
    assert.match(
      check.run!,
      /cat drift.md >> "\$GITHUB_STEP_SUMMARY"\nexit \$code/,
      "into the job summary, keeping diff's exit code",
    );
    assert.equal((check as { if?: string }).if, "always()");
  });

  it("nightly, previews with refresh (configured from the program, so a rotated credential serves it) and fails on any change", () => {
    const { workflow, pulumi } = load("drift.yml");
    assert.match((workflow.on.schedule as { cron: string }[])[0]!.cron, /^\d+ \d+ \* \* \*$/);
    const args = (pulumi.run ?? "").split(/\s+/);
    assert.equal(args[2], `pulumi@${PULUMI_CLI}`, "the CLI version every example pipeline pins");
    assert.equal(args[3], "preview");
    for (const flag of ["--refresh", "--run-program", "--expect-no-changes", "--parallel"])
      assert.ok(args.includes(flag), `the drift preview passes ${flag}`);
    assert.equal(args[args.indexOf("--parallel") + 1], '"$PULUMI_PARALLEL"');
    assert.equal(args[args.indexOf("--stack") + 1], '"$PULUMI_STACK"');
    const report = Object.values(workflow.jobs)
      .flatMap((job) => job.steps)
      .find((step) => (step.run ?? "").includes("partnercenter-budgets diff"));
    assert.ok(report, "drift.yml writes the drift report");
    assert.match(report.run!, /partnercenter-budgets diff "\$BUDGETS_FILE" --format markdown > drift.md\n/);
    assert.match(
      report.run!,
      /cat drift.md >> "\$GITHUB_STEP_SUMMARY"\nexit \$code/,
      "into the job summary, keeping diff's exit code (1 on drift)",
    );
    assert.equal((report as { if?: string }).if, "always()");
  });
});

describe("examples/github/report.yml (issue 24)", () => {
  it("weekly, writes the Markdown spend report to the job summary with the App+User refresh token from secrets, and keeps the exit code", () => {
    const text = readFileSync(`${DIR}/report.yml`, "utf8");
    const workflow = parse(text) as {
      on: { schedule: { cron: string }[] };
      env: Record<string, string>;
      jobs: Record<string, { steps: { run?: string; env?: Record<string, string> }[] }>;
    };
    assert.match(workflow.on.schedule[0]?.cron ?? "", /^\d+ \d+ \* \* [0-6]$/, "once a week");
    assert.deepEqual(
      workflow.env,
      {
        PARTNERCENTER_TENANT_ID: "${{ vars.PARTNER_TENANT_ID }}",
        PARTNERCENTER_CLIENT_ID: "${{ vars.PARTNER_CENTER_APP_ID }}",
      },
      "the same variables as the other workflows",
    );
    const step = Object.values(workflow.jobs)
      .flatMap((job) => job.steps)
      .find((candidate) => /partnercenter-budgets report/.test(candidate.run ?? ""));
    assert.ok(step, "report.yml runs the report");
    assert.match(
      step.run ?? "",
      /report --format markdown > report\.md\ncode=\$\?\ncat report\.md >> "\$GITHUB_STEP_SUMMARY"\nexit \$code/,
    );
    assert.deepEqual(
      step.env,
      {
        PARTNERCENTER_CLIENT_SECRET: "${{ secrets.PARTNER_CENTER_APP_SECRET }}",
        PARTNERCENTER_REFRESH_TOKEN: "${{ secrets.PARTNER_CENTER_REFRESH_TOKEN }}",
      },
      "the secrets only in the step that needs them",
    );
    assert.match(text, /MFA/, "the header says the refresh token must come from an MFA sign-in");
  });
});
