import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { EXAMPLES, PULUMI_CLI, pipelineFiles, pulumiVersions } from "../support/examplePipelines";

const DIR = resolve(EXAMPLES, "azure-devops");
const README = readFileSync(resolve(DIR, "README.md"), "utf8");

/** The service connection the README has partners create, by the name the YAML uses. */
const SERVICE_CONNECTION = "partner-center";
/** Secrets the pipelines may hand a step: only ever as `NAME: $(NAME)` in `env:`, never in a script. */
const SECRETS = [
  "SYSTEM_ACCESSTOKEN",
  "PULUMI_CONFIG_PASSPHRASE",
  "PULUMI_ACCESS_TOKEN",
  "PARTNERCENTER_CLIENT_SECRET",
  "PARTNERCENTER_REFRESH_TOKEN",
];

interface Step {
  task?: string;
  script?: string;
  checkout?: string;
  displayName?: string;
  inputs?: Record<string, unknown>;
  env?: Record<string, string>;
  condition?: string;
  continueOnError?: boolean;
  target?: { commands?: string; settableVariables?: unknown };
}
interface Pipeline {
  trigger?: unknown;
  pr?: unknown;
  schedules?: { cron: string; always?: boolean; branches?: { include?: string[] } }[];
  lockBehavior?: string;
  pool: { vmImage: string };
  variables?: unknown;
  steps: Step[];
}

/** What a step runs in a shell: a `script:` step's script, or an `AzureCLI@2` task's inline script. */
function scriptOf(step: Step): string | undefined {
  if (step.script !== undefined) return step.script;
  if (step.task?.startsWith("AzureCLI@")) return step.inputs?.inlineScript as string | undefined;
  return undefined;
}

/** Steps that print text from outside: the Pulumi CLI (the provider's outputs and errors) and the package's CLI. */
function printsOutsideText(step: Step): boolean {
  return /\bpulumi@|partnercenter-budgets/.test(scriptOf(step) ?? "");
}

/** Steps that sign in to Partner Center: any refresh or update, and the drift report. A plain preview reads nothing. */
function reachesPartnerCenter(step: Step): boolean {
  const script = scriptOf(step) ?? "";
  return (
    /\bpulumi@\S+ up\b/.test(script) ||
    /\bpulumi@\S+ preview\b.*--refresh/.test(script) ||
    script.includes("partnercenter-budgets diff")
  );
}

function load(name: string): { text: string; pipeline: Pipeline; pulumi: Step; args: string[] } {
  const text = readFileSync(resolve(DIR, name), "utf8");
  const pipeline = parse(text) as Pipeline;
  const pulumi = pipeline.steps.find((step) => /\bpulumi@/.test(scriptOf(step) ?? ""));
  assert.ok(pulumi, `${name} runs the Pulumi CLI through its npm launcher`);
  return { text, pipeline, pulumi, args: scriptOf(pulumi)!.trim().split(/\s+/) };
}

/** Runs a step's script in bash with a stand-in `npx` that records its arguments and exits with `exitCode`. */
function runWithStubNpx(
  step: Step,
  exitCode: number,
): { status: number | null; args: string[]; stdout: string; cwd: string } {
  const cwd = mkdtempSync(join(tmpdir(), "ado-step-"));
  writeFileSync(join(cwd, "npx"), '#!/bin/sh\nprintf "%s\\n" "$@" > "$STUB_ARGS"\nexit "$STUB_EXIT"\n');
  chmodSync(join(cwd, "npx"), 0o755);
  const env: Record<string, string> = {
    PATH: `${cwd}:/usr/bin:/bin`,
    STUB_ARGS: join(cwd, "args"),
    STUB_EXIT: String(exitCode),
  };
  // The step's own env: mapping, with a stand-in for each value, as the agent would set it.
  for (const name of Object.keys(step.env ?? {})) env[name] = name === "BUDGETS_STACK" ? "prod" : `value-of-${name}`;
  const result = spawnSync("bash", ["-c", scriptOf(step)!], { cwd, env, encoding: "utf8" });
  const args = existsSync(env.STUB_ARGS!) ? readFileSync(env.STUB_ARGS!, "utf8").split("\n").slice(0, -1) : [];
  return { status: result.status, args, stdout: result.stdout, cwd };
}

describe("the Azure Pipelines in examples/azure-devops", () => {
  for (const name of ["preview.yml", "up.yml", "drift.yml"]) {
    describe(name, () => {
      const { text, pipeline, pulumi } = load(name);

      it("is an Azure Pipelines YAML pipeline: hosted Ubuntu, checkout, Node 20, npm ci, the settings from one variable group", () => {
        assert.deepEqual(pipeline.pool, { vmImage: "ubuntu-latest" });
        assert.deepEqual(
          pipeline.variables,
          [{ group: "partnercenter-budgets" }],
          "every setting from the variable group; no value written here",
        );
        const [checkout, node, install] = pipeline.steps;
        assert.deepEqual(checkout, { checkout: "self" });
        assert.deepEqual(node, { task: "UseNode@1", inputs: { version: "20.x" } });
        assert.equal(install!.script, "npm ci", "installs from the lockfile");
        assert.equal(install!.env, undefined, "install scripts of dependencies see no token or secret");
      });

      it(`runs the Pulumi CLI ${PULUMI_CLI} inside AzureCLI@2 on the service connection, as one command whose exit code is the step's`, () => {
        assert.deepEqual(pulumiVersions(text), [PULUMI_CLI], "one pinned CLI version, the GitHub examples' one");
        assert.equal(pulumi.task, "AzureCLI@2");
        assert.equal(pulumi.inputs!.azureSubscription, SERVICE_CONNECTION);
        assert.equal(pulumi.inputs!.scriptType, "bash");
        assert.equal(pulumi.inputs!.scriptLocation, "inlineScript");
        assert.equal(
          pulumi.inputs!.addSpnToEnvironment,
          undefined,
          "the task's own ID token stays out of the script's environment",
        );
        assert.equal(pulumi.condition, undefined);
        assert.notEqual(pulumi.continueOnError, true, "a failed run fails the pipeline");
        for (const code of [0, 1, 7]) {
          const run = runWithStubNpx(pulumi, code);
          rmSync(run.cwd, { recursive: true, force: true });
          assert.equal(run.status, code, `the CLI's exit code ${code} is the step's`);
          assert.deepEqual(run.args.slice(0, 2), ["--yes", `pulumi@${PULUMI_CLI}`]);
          assert.equal(
            run.args[run.args.indexOf("--stack") + 1],
            "prod",
            "the stack comes from BUDGETS_STACK, as one argument",
          );
        }
      });

      it("writes no secret inline: secrets reach a step only through env:, from the variable of the same name, and no script names one", () => {
        for (const step of pipeline.steps) {
          for (const [variable, value] of Object.entries(step.env ?? {})) {
            assert.match(
              value,
              /^\$\([A-Za-z_.]+\)$/,
              `${variable} is mapped from a pipeline variable, not written here`,
            );
            if (variable === "SYSTEM_ACCESSTOKEN") assert.equal(value, "$(System.AccessToken)");
            else if (SECRETS.includes(variable)) assert.equal(value, `$(${variable})`);
          }
          const script = scriptOf(step) ?? "";
          assert.doesNotMatch(
            script,
            /\$\(/,
            "no $(macro) in a script: the agent would paste the value into the script's text",
          );
          for (const secret of SECRETS)
            assert.ok(!script.includes(secret), `no script reads ${secret}: the tools take it from the environment`);
          assert.doesNotMatch(script, /set -x|printenv|\benv\b|echo \$/, "no script prints its environment");
          for (const variable of script.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)) {
            assert.ok(
              variable[1] === "PWD" || step.env?.[variable[1]!] !== undefined,
              `${variable[1]} is mapped into the step that reads it`,
            );
          }
        }
      });

      it("maps SYSTEM_ACCESSTOKEN only into the steps that sign in to Partner Center, with the tenant and the app", () => {
        for (const step of pipeline.steps) {
          const mapped = step.env?.SYSTEM_ACCESSTOKEN !== undefined;
          assert.equal(
            mapped,
            reachesPartnerCenter(step),
            `${step.displayName ?? step.script ?? step.task}: SYSTEM_ACCESSTOKEN ${mapped ? "mapped" : "not mapped"}`,
          );
          if (!mapped) continue;
          assert.equal(
            step.task,
            "AzureCLI@2",
            "AzureCLI@2 names the connection (so the pipeline may use it) and sets AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
          );
          assert.equal(step.inputs!.azureSubscription, SERVICE_CONNECTION);
          assert.equal(step.env!.ARM_TENANT_ID, "$(PARTNER_TENANT_ID)");
          assert.equal(step.env!.ARM_CLIENT_ID, "$(PARTNER_CENTER_APP_ID)");
        }
      });

      it("lets no step that prints text from outside set a variable or attach a file (the agent acts on ##vso[ anywhere in a line)", () => {
        for (const step of pipeline.steps.filter(printsOutsideText)) {
          assert.deepEqual(step.target, { commands: "restricted", settableVariables: "none" }, step.displayName);
        }
        for (const step of pipeline.steps.filter((step) => (scriptOf(step) ?? "").includes("##vso["))) {
          assert.ok(
            !printsOutsideText(step),
            "a step that issues a logging command runs nothing that prints text from outside",
          );
        }
      });

      it("names in the README every variable it reads, the service connection, and the command it runs", () => {
        const readme = README.replace(/\s+/g, " ");
        for (const step of pipeline.steps) {
          for (const value of Object.values(step.env ?? {})) {
            const variable = /^\$\((.+)\)$/.exec(value)![1]!;
            if (variable !== "System.AccessToken")
              assert.match(
                README,
                new RegExp(`\\| \`${variable}\` \\|`),
                `the README's variable group table has ${variable}`,
              );
          }
          if (step.inputs?.azureSubscription !== undefined)
            assert.ok(README.includes(`azureSubscription: ${step.inputs.azureSubscription}`));
          const script = scriptOf(step);
          if (script !== undefined && step.script !== "npm ci" && !script.includes("##vso[")) {
            assert.ok(
              readme.includes(script.trim().replace(/\s+/g, " ")),
              `the README shows what ${name} runs: ${script}`,
            );
          }
        }
      });
    });
  }

  it("preview.yml: on a pull request to main, previews with the policies and the diff, and reads no budget", () => {
    const { pipeline, args } = load("preview.yml");
    assert.equal(pipeline.trigger, "none", "not on pushes");
    assert.deepEqual((pipeline.pr as { branches: { include: string[] } }).branches.include, ["main"]);
    assert.equal(args[3], "preview");
    for (const flag of ["--diff", "--parallel"]) assert.ok(args.includes(flag), `preview passes ${flag}`);
    assert.equal(args[args.indexOf("--policy-pack") + 1], "examples/policy");
    assert.ok(!args.includes("--refresh"), "no refresh, so no Partner Center credential on pull requests");
    assert.ok(pipeline.steps.every((step) => step.env?.SYSTEM_ACCESSTOKEN === undefined));
  });

  it("up.yml: on merge to main, runs up with --continue-on-error and the policies, one run at a time", () => {
    const { pipeline, args } = load("up.yml");
    assert.deepEqual((pipeline.trigger as { branches: { include: string[] } }).branches.include, ["main"]);
    assert.equal(pipeline.pr, "none");
    assert.equal(
      pipeline.lockBehavior,
      "sequential",
      "queued updates wait for the exclusive lock instead of being cancelled",
    );
    assert.equal(args[3], "up");
    for (const flag of ["--yes", "--continue-on-error", "--parallel"])
      assert.ok(args.includes(flag), `up passes ${flag}`);
    assert.equal(args[args.indexOf("--policy-pack") + 1], "examples/policy");
  });

  it("drift.yml: nightly, even without a commit, previews with refresh from the program and fails the run on drift (exit 7) or a failed refresh (exit 1)", () => {
    const { pipeline, pulumi, args } = load("drift.yml");
    assert.equal(pipeline.trigger, "none");
    assert.equal(pipeline.pr, "none");
    const [schedule, ...others] = pipeline.schedules!;
    assert.equal(others.length, 0);
    assert.match(schedule!.cron, /^\d+ \d+ \* \* \*$/, "every night");
    assert.equal(schedule!.always, true, "drift happens in the portal: run even when main has not changed");
    assert.deepEqual(schedule!.branches!.include, ["main"]);
    assert.equal(args[3], "preview");
    for (const flag of ["--refresh", "--run-program", "--expect-no-changes", "--parallel"])
      assert.ok(args.includes(flag), `the drift preview passes ${flag}`);
    for (const code of [7, 1]) {
      const run = runWithStubNpx(pulumi, code);
      rmSync(run.cwd, { recursive: true, force: true });
      assert.equal(run.status, code, `exit ${code} fails the step, and so the run`);
    }
  });

  it("drift.yml: the drift report runs after a drift too, keeps diff's exit code (1 on drift), and becomes the run's summary", () => {
    const { pipeline } = load("drift.yml");
    const index = pipeline.steps.findIndex((step) => (scriptOf(step) ?? "").includes("partnercenter-budgets diff"));
    const report = pipeline.steps[index]!;
    assert.equal(report.condition, "succeededOrFailed()", "after the failed preview of a drift too");
    assert.equal(scriptOf(report), "npx partnercenter-budgets diff examples/budgets.yaml --format markdown > drift.md");
    const drifted = runWithStubNpx(report, 1);
    try {
      assert.equal(drifted.status, 1, "diff's exit code is the step's: the run fails on drift");
      assert.deepEqual(drifted.args, [
        "partnercenter-budgets",
        "diff",
        "examples/budgets.yaml",
        "--format",
        "markdown",
      ]);
      assert.ok(existsSync(join(drifted.cwd, "drift.md")), "the report is written to drift.md");

      const attach = pipeline.steps[index + 1]!;
      assert.equal(attach.condition, "succeededOrFailed()");
      const runAttach = () =>
        spawnSync("bash", ["-c", attach.script!], {
          cwd: drifted.cwd,
          encoding: "utf8",
          env: { PATH: "/usr/bin:/bin" },
        }).stdout;
      writeFileSync(join(drifted.cwd, "drift.md"), "| customer |\n");
      assert.equal(runAttach(), `##vso[task.uploadsummary]${drifted.cwd}/drift.md\n`);
      rmSync(join(drifted.cwd, "drift.md"));
      assert.equal(runAttach(), "", "no report, nothing attached");
    } finally {
      rmSync(drifted.cwd, { recursive: true, force: true });
    }
  });

  it("report.yml: weekly, the spend report with App+User secrets through env: only, restricted, keeping report's exit code, then attached as the summary", () => {
    const text = readFileSync(resolve(DIR, "report.yml"), "utf8");
    const pipeline = parse(text) as Pipeline;
    assert.deepEqual(
      pipeline.schedules?.map((schedule) => [schedule.cron, schedule.always]),
      [["23 6 * * 1", true]],
    );
    assert.deepEqual(pipeline.variables, [{ group: "partnercenter-budgets" }]);
    const [checkout, node, install, report, attach] = pipeline.steps;
    assert.deepEqual(checkout, { checkout: "self" });
    assert.deepEqual(node, { task: "UseNode@1", inputs: { version: "20.x" } });
    assert.equal(install!.script, "npm ci");
    assert.equal(install!.env, undefined, "install scripts of dependencies see no secret");
    assert.equal(scriptOf(report!), "npx partnercenter-budgets report --format markdown > report.md");
    assert.deepEqual(
      report!.target,
      { commands: "restricted", settableVariables: "none" },
      "the report prints customer names: no ##vso command may act",
    );
    for (const secret of ["PARTNERCENTER_CLIENT_SECRET", "PARTNERCENTER_REFRESH_TOKEN"])
      assert.equal(report!.env?.[secret], `$(${secret})`);
    for (const step of pipeline.steps)
      for (const secret of SECRETS) assert.ok(!(scriptOf(step) ?? "").includes(secret), `no script reads ${secret}`);
    for (const code of [0, 2]) {
      const run = runWithStubNpx(report!, code);
      try {
        assert.equal(run.status, code, `report's exit code ${code} is the step's`);
        assert.deepEqual(run.args, ["partnercenter-budgets", "report", "--format", "markdown"]);
      } finally {
        rmSync(run.cwd, { recursive: true, force: true });
      }
    }
    assert.equal(attach!.condition, "succeededOrFailed()", "attached when report exits 2 too");
    assert.match(attach!.script!, /task\.uploadsummary\]\$PWD\/report\.md/);
    assert.equal(attach!.env, undefined);
  });

  it(`every example pipeline, GitHub Actions and Azure Pipelines alike, runs the Pulumi CLI ${PULUMI_CLI}`, () => {
    const files = [...pipelineFiles("github"), ...pipelineFiles("azure-devops")];
    const versions = files.flatMap(({ text }) => pulumiVersions(text));
    assert.ok(versions.length >= 5, "the GitHub up and drift workflows and the three Azure pipelines name a version");
    assert.deepEqual(new Set(versions), new Set([PULUMI_CLI]));
    assert.ok(README.includes(`pulumi@${PULUMI_CLI}`));
  });
});

describe("the Pulumi ESC environment in examples/esc", () => {
  const ESC = resolve(EXAMPLES, "esc");
  const text = readFileSync(resolve(ESC, "environment.yaml"), "utf8");
  const readme = readFileSync(resolve(ESC, "README.md"), "utf8");
  const environment = parse(text) as {
    values: { azure: { login: Record<string, Record<string, unknown>> }; environmentVariables: Record<string, string> };
  };
  const login = environment.values.azure.login["fn::open::azure-login"]!;

  it("opens azure-login with OIDC, and so stores no secret", () => {
    assert.deepEqual(Object.keys(login).sort(), [
      "clientId",
      "oidc",
      "subjectAttributes",
      "subscriptionId",
      "tenantId",
    ]);
    assert.equal(login.oidc, true);
    assert.doesNotMatch(text, /clientSecret|fn::secret/);
  });

  it("maps exactly the variables the provider reads: ARM_CLIENT_ID, ARM_TENANT_ID, ARM_OIDC_TOKEN", () => {
    assert.deepEqual(environment.values.environmentVariables, {
      ARM_CLIENT_ID: "${azure.login.clientId}",
      ARM_TENANT_ID: "${azure.login.tenantId}",
      ARM_OIDC_TOKEN: "${azure.login.oidc.token}",
    });
    assert.deepEqual(
      Object.keys(environment.values),
      ["azure", "environmentVariables"],
      "no pulumiConfig or files besides",
    );
  });

  it("has the README register the federated credential for the subject the environment presents", () => {
    // Pulumi's subject with subjectAttributes: the fixed prefix, then `:<attribute>:<value>` for each, in order.
    assert.deepEqual(
      login.subjectAttributes,
      ["currentEnvironment.name"],
      "the same subject whether a person or a stack opens it",
    );
    const subject = "pulumi:environments:pulumi.organization.login:contoso:currentEnvironment.name:partnercenter/prod";
    assert.ok(
      readme.includes("pulumi env init contoso/partnercenter/prod --file environment.yaml"),
      "the README creates contoso/partnercenter/prod",
    );
    assert.ok(readme.includes(`| Subject identifier | \`${subject}\` |`));
    assert.ok(readme.includes("| Issuer | `https://api.pulumi.com/oidc` |"));
    assert.ok(readme.includes("| Audience | `azure:contoso` "));
    const stackConfig = /```yaml\n(environment:[\s\S]*?)```/.exec(readme);
    assert.ok(stackConfig, "the README shows the stack's import");
    assert.deepEqual(parse(stackConfig[1]!), { environment: { imports: ["partnercenter/prod"] } });
  });
});
