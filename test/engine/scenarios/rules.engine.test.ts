/**
 * One test (or more) per rule of test/engine/ENGINE.md: each runs the real
 * program and the real provider host through the model and checks what the
 * rule says the engine does.
 */
import { strict as assert } from "node:assert";
import { readFileSync, readlinkSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { DEMO_CUSTOMERS } from "pulumi-partnercenter/emulator";
import { pwdMain } from "../model/project";
import { defaultParallel, PulumiModel } from "../model/pulumi";
import { programConfig } from "../model/languageHost";
import type { ProviderHost } from "../providerHost";
import { BUDGETS_PROJECT, startStack, type TestStack } from "../stack";

const [CONTOSO, FABRIKAM, NORTHWIND, TAILSPIN] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string, string, string];

function patches(stack: TestStack): string[] {
  return stack.emulator.requests.filter((request) => request.method === "PATCH").map((request) => `${request.path.split("/")[3]}=${JSON.parse(request.body).Amount}`);
}

describe("engine rules (test/engine/ENGINE.md), each through the model", function () {
  this.timeout(60_000);

  describe("working directory and environment", () => {
    it("main as a file runs from its directory; as a directory, from that directory with entry point '.'; outside the project is refused", () => {
      assert.deepEqual(pwdMain("/p", ""), { pwd: "/p", main: "." });
      assert.deepEqual(pwdMain(resolve(__dirname, "../../../.."), "examples/index.ts"), { pwd: resolve(__dirname, "../../../../examples"), main: "index.ts" });
      assert.deepEqual(pwdMain(resolve(__dirname, "../../../.."), "examples/"), { pwd: resolve(__dirname, "../../../../examples"), main: "." });
      assert.throws(() => pwdMain("/p", "/abs"), /must be a relative path/);
      assert.throws(() => pwdMain("/p/q", "../x"), /must be a subfolder/);
    });

    it("the program and the provider host run in main's directory; the host gets the project name, runtime options and the config", async () => {
      const stack = await startStack();
      const seen: { cwd: string; env: string[] }[] = [];
      const nested = new PulumiModel({
        projectDir: resolve(BUDGETS_PROJECT, "../nested"),
        env: stack.model.env,
        config: stack.model.config,
        beforeHostStop: (host: ProviderHost) => seen.push({ cwd: readlinkSync(`/proc/${host.pid}/cwd`), env: readFileSync(`/proc/${host.pid}/environ`, "utf8").split("\0") }),
      });
      try {
        stack.engine.declare([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })]);
        nested.env = { ...nested.env, BUDGETS_PROGRAM: stack.model.env.BUDGETS_PROGRAM };
        const up = await nested.up({ skipPreview: true });
        assert.equal(up.exitCode, 0, up.output);
        const programDir = resolve(BUDGETS_PROJECT, "../nested/program");
        const stackOutputs = nested.checkpoint.deployment.resources.find((resource) => resource.type === "pulumi:pulumi:Stack")!.outputs;
        assert.equal(stackOutputs.programCwd, programDir, "the program's working directory");
        assert.deepEqual(seen.map((host) => host.cwd), [programDir], "the provider host's working directory");
        assert.ok(seen[0]!.env.includes("PULUMI_NODEJS_PROJECT=budgets-nested") && seen[0]!.env.includes("PULUMI_PROJECT=budgets-nested"));
        assert.ok(seen[0]!.env.some((entry) => entry.startsWith("PULUMI_CONFIG=") && entry.includes("partnercenter:endpoint")));
      } finally {
        await stack.stop();
      }
    });

    it("the program gets its config as <ns>:config:<name> in PULUMI_CONFIG and the secret keys apart", () => {
      const { json, secretKeys } = programConfig({ "partnercenter:endpoint": { value: "https://x" }, "partnercenter:clientSecret": { value: "s", secret: true } });
      assert.deepEqual(JSON.parse(json), { "partnercenter:config:endpoint": "https://x", "partnercenter:config:clientSecret": "s" });
      assert.deepEqual(JSON.parse(secretKeys), ["partnercenter:clientSecret"]);
    });
  });

  describe("with a stack", () => {
    let stack: TestStack;
    beforeEach(async () => {
      stack = await startStack();
    });
    afterEach(() => stack.stop());

    it("Configure gets the whole stack config (after CheckConfig and DiffConfig fall back), and the default provider stores it", async () => {
      stack.model.config["other-package:region"] = { value: "westeurope" };
      const up = await stack.engine.up([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })]);
      assert.equal(up.result.exitCode, 0);
      const provider = stack.model.checkpoint.deployment.resources.find((resource) => resource.type === "pulumi:providers:pulumi-nodejs")!;
      assert.equal(provider.urn, "urn:pulumi:dev::budgets-under-test::pulumi:providers:pulumi-nodejs::default");
      assert.deepEqual(Object.keys(provider.inputs).sort(), ["other-package:region", "partnercenter:accessToken", "partnercenter:endpoint"]);
      assert.ok(!JSON.stringify(provider).includes(stack.emulator.accessToken), "the secret is stored encrypted, not in plain text");
    });

    it("the default --parallel is 4 × the cores; steps run on at most --parallel workers", async () => {
      assert.equal(defaultParallel(), 4 * availableParallelism());
      stack.emulator.faults.configure({ latencyMs: 150 });
      const budgets = [CONTOSO, FABRIKAM, NORTHWIND].map((customerId, i) => stack.budget(`b${i}`, { customerId, amount: 10 + i }));
      await stack.engine.up(budgets, { skipPreview: true, parallel: 1 });
      assert.equal(stack.emulator.maxInFlight, 1, "one worker: one operation, so one request, at a time");
      stack.emulator.clearRequests();
      await stack.engine.up(budgets.map((budget, i) => ({ ...budget, amount: 20 + i })), { skipPreview: true, parallel: 3 });
      assert.equal(stack.emulator.maxInFlight, 3, "three workers: the three updates at once");
    });

    it("the first failed step stops new work and fails the run; --continue-on-error carries on and still fails it", async () => {
      const budgets = [stack.budget("tailspin", { customerId: TAILSPIN, amount: 5 }), ...[CONTOSO, FABRIKAM, NORTHWIND].map((customerId, i) => stack.budget(`b${i}`, { customerId, amount: 70 + i }))];
      const stopped = await stack.engine.up(budgets, { skipPreview: true, parallel: 1 });
      assert.equal(stopped.result.exitCode, 255);
      assert.deepEqual(stopped.steps.map((step) => step.op), ["failed"], "with one worker, nothing started after the 403");
      assert.equal(stack.engine.state.size, 0);
      const carried = await stack.engine.up(budgets, { skipPreview: true, parallel: 1, continueOnError: true });
      assert.equal(carried.result.exitCode, 255, "the run still fails");
      assert.deepEqual(carried.steps.map((step) => `${step.name}:${step.op}`), ["tailspin:failed", "b0:create", "b1:create", "b2:create"]);
      assert.equal(stack.engine.state.size, 3);
      assert.doesNotMatch(carried.result.passes[0]!.programOutput, /unhandled exception/, "the failed registration is answered FAIL, not an error the program must handle");
    });

    it("up runs a preview pass in its own provider host first, unless --skip-preview, and shuts each host down at the end of its pass (Cancel, SIGINT, SIGKILL after 5 s); so up --refresh reads every budget twice", async () => {
      const budgets = [CONTOSO, FABRIKAM].map((customerId, i) => stack.budget(`b${i}`, { customerId, amount: 40 + i }));
      const first = await stack.engine.up(budgets);
      assert.deepEqual(first.result.passes.map((pass) => [pass.dryRun, pass.hosts]), [[true, 1], [false, 1]]);
      assert.notDeepEqual(first.result.passes[0]!.hostPids, first.result.passes[1]!.hostPids);
      for (const pid of first.result.passes.flatMap((pass) => pass.hostPids)) assert.throws(() => process.kill(pid, 0), /ESRCH/, `host ${pid} still runs`);
      stack.emulator.clearRequests();
      await stack.engine.up(budgets, { refresh: true });
      assert.equal(stack.emulator.requests.filter((request) => request.method === "GET").length, 4, "2 budgets read in the preview pass and again in the update");
      stack.emulator.clearRequests();
      const skipped = await stack.engine.up(budgets, { refresh: true, skipPreview: true });
      assert.equal(skipped.result.passes.length, 1);
      assert.equal(stack.emulator.requests.length, 2);
    });

    it("refresh, destroy and the refresh phase of up --refresh use the config stored at the last update; the program phase the current one", async () => {
      await stack.engine.arrange([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })]);
      stack.model.config["partnercenter:endpoint"] = { value: "http://127.0.0.1:9" };
      stack.model.config["partnercenter:maxRetries"] = { value: "0" };
      const refresh = await stack.engine.refresh();
      assert.equal(refresh.result.exitCode, 0, `refresh reads with the stored endpoint: ${refresh.result.output}`);
      const up = await stack.engine.up([stack.budget("contoso", { customerId: CONTOSO, amount: 1300 })], { refresh: true, skipPreview: true });
      assert.equal(up.result.exitCode, 255);
      assert.deepEqual(up.steps.map((step) => step.op), ["refresh", "failed"], "the refresh (stored config) worked; the update (current config) did not");
      assert.equal(up.result.passes[0]!.hosts, 2, "one host per config");
    });

    it("replace creates the new resource first and deletes the old one last; deleteBeforeReplace as a resource option reverses that", async () => {
      await stack.engine.arrange([stack.budget("budget", { customerId: CONTOSO, amount: 1200, onDelete: "clear" })]);
      stack.emulator.clearRequests();
      await stack.engine.up([stack.budget("budget", { customerId: FABRIKAM, amount: 600, onDelete: "clear" })]);
      assert.deepEqual(patches(stack), [`${FABRIKAM}=600`, `${CONTOSO}=null`], "create, then delete the replaced");
      stack.emulator.clearRequests();
      await stack.engine.up([stack.budget("budget", { customerId: NORTHWIND, amount: 300, onDelete: "clear", options: { deleteBeforeReplace: true } })]);
      assert.deepEqual(patches(stack), [`${FABRIKAM}=null`, `${NORTHWIND}=300`], "delete before replace");
    });

    it("ignoreChanges keeps the old value; protect refuses a delete; retainOnDelete deletes from state without calling the provider", async () => {
      await stack.engine.arrange([
        stack.budget("ignored", { customerId: CONTOSO, amount: 1200, options: { ignoreChanges: ["amount"] } }),
        stack.budget("kept", { customerId: FABRIKAM, amount: 600, onDelete: "clear", options: { protect: true } }),
        stack.budget("retained", { customerId: NORTHWIND, amount: 300, onDelete: "clear", options: { retainOnDelete: true } }),
      ]);
      stack.emulator.clearRequests();
      const ignored = await stack.engine.up([
        stack.budget("ignored", { customerId: CONTOSO, amount: 999, options: { ignoreChanges: ["amount"] } }),
        stack.budget("kept", { customerId: FABRIKAM, amount: 600, onDelete: "clear", options: { protect: true } }),
      ]);
      assert.equal(ignored.steps.find((step) => step.name === "ignored")?.op, "same");
      assert.equal(stack.emulator.budgetOf(CONTOSO), 1200);
      assert.equal(stack.emulator.budgetOf(NORTHWIND), 300, "retainOnDelete: onDelete clear was never called");
      assert.ok(![...stack.engine.state.values()].some((resource) => resource.name === "retained"));
      const destroy = await stack.engine.destroy();
      assert.equal(destroy.result.exitCode, 255);
      assert.match(destroy.result.output, /unable to delete resource .*kept"\nas it is currently marked for protection/);
      assert.equal(stack.emulator.budgetOf(FABRIKAM), 600);
    });

    it("--expect-no-changes: refresh counts what the refresh changed; preview --refresh counts only the updates the drift produces", async () => {
      await stack.engine.arrange([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })]);
      stack.emulator.setBudget(CONTOSO, 1500);
      const program = [stack.budget("contoso", { customerId: CONTOSO, amount: 1500 })];
      const preview = await stack.engine.preview(program, { refresh: true, expectNoChanges: true });
      assert.equal(preview.result.exitCode, 0, "the drift matches the program now: nothing to update");
      const refresh = await stack.engine.refresh({ expectNoChanges: true });
      assert.equal(refresh.result.exitCode, 255);
      assert.match(refresh.result.output, /no changes were expected but changes occurred/);
      const drifted = await stack.engine.preview([stack.budget("contoso", { customerId: CONTOSO, amount: 1200 })], { refresh: true, expectNoChanges: true });
      assert.equal(drifted.result.exitCode, 255);
    });
  });
});
