/**
 * The release workflow cannot run here (it publishes to npm); what can be
 * checked is: it parses, it runs on version tags with the token provenance
 * needs, it tests the tarball it publishes (and publishes nothing else), and
 * its guard steps refuse a tag or a repository that does not match.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PACKED_TARBALL_VARIABLE, readManifest, REPOSITORY } from "../support/packedTarball";

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Workflow {
  on: { push?: { tags?: string[] } };
  permissions?: Record<string, string>;
  jobs: Record<string, { permissions?: Record<string, string>; steps: Step[] }>;
}

const WORKFLOW = join(REPOSITORY, ".github/workflows/release.yml");

function workflow(): Workflow {
  return parse(readFileSync(WORKFLOW, "utf8"), { strict: true, uniqueKeys: true }) as Workflow;
}

/** The release job's steps. */
function steps(): Step[] {
  const jobs = Object.values(workflow().jobs);
  assert.equal(
    jobs.length,
    1,
    "one job: build, test and publish on one runner, so the tested tarball is the published one",
  );
  return jobs[0]!.steps;
}

/** The index of the one step whose `run` matches. */
function stepRunning(pattern: RegExp): number {
  const found = steps().flatMap((step, index) => (step.run && pattern.test(step.run) ? [index] : []));
  assert.equal(found.length, 1, `one step runs ${pattern}, found ${found.length}`);
  return found[0]!;
}

/** Runs a step's script with bash in the repository, as the runner would, with the given environment. */
function runStep(step: Step, env: Record<string, string>): number | null {
  const result = spawnSync("bash", ["-e", "-c", step.run!], {
    cwd: REPOSITORY,
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return result.status;
}

describe("the release workflow (.github/workflows/release.yml)", () => {
  it("runs on version tags only, reads the repository and nothing more, and gives the job the OIDC token npm provenance needs", () => {
    const parsed = workflow();
    assert.deepEqual(Object.keys(parsed.on), ["push"]);
    assert.deepEqual(parsed.on.push?.tags, ["v*.*.*"]);
    assert.deepEqual(parsed.permissions, { contents: "read" });
    assert.deepEqual(Object.values(parsed.jobs)[0]!.permissions, { contents: "read", "id-token": "write" });
  });

  it("installs, packs once, tests that tarball and publishes that same tarball with provenance", () => {
    const all = steps();
    const install = stepRunning(/^npm ci$/m);
    const pack = stepRunning(/npm pack /);
    const test = stepRunning(/^npm test$/m);
    const publish = stepRunning(/npm publish /);
    assert.ok(
      install < pack && pack < test && test < publish,
      `order: npm ci ${install}, pack ${pack}, test ${test}, publish ${publish}`,
    );
    const packId = all[pack]!.id;
    assert.ok(packId, "the pack step has an id its output is read by");
    const tarball = `\${{ steps.${packId}.outputs.tarball }}`;
    assert.equal(all[test]!.env?.[PACKED_TARBALL_VARIABLE], tarball, "the tests install the packed tarball");
    assert.equal(all[publish]!.env?.[PACKED_TARBALL_VARIABLE], tarball);
    assert.match(all[publish]!.run!, new RegExp(`^npm publish "\\$${PACKED_TARBALL_VARIABLE}" --provenance\\b`));
    const between = all.slice(test + 1, publish).concat(all.slice(pack + 1, test));
    assert.deepEqual(
      between.filter((step) => /npm (run build|pack|ci|install)|tsc/.test(step.run ?? "")),
      [],
      "nothing rebuilds or repacks after the pack",
    );
    assert.ok(
      all.some(
        (step) =>
          step.uses?.startsWith("actions/setup-node@") && step.with?.["registry-url"] === "https://registry.npmjs.org",
      ),
      "setup-node writes the npm registry's auth config",
    );
    for (const step of all.filter((s) => s.uses))
      assert.match(step.uses!, /^[\w-]+\/[\w-]+@v\d+$/, "actions pinned to a major version");
  });

  it("refuses a tag that is not package.json's version", () => {
    const guard = steps()[stepRunning(/GITHUB_REF_NAME/)]!;
    const version = readManifest(join(REPOSITORY, "package.json")).version;
    assert.equal(runStep(guard, { GITHUB_REF_NAME: `v${version}` }), 0);
    assert.equal(runStep(guard, { GITHUB_REF_NAME: `v${version}.1` }), 1);
    assert.equal(runStep(guard, { GITHUB_REF_NAME: version }), 1);
  });

  it("refuses to publish from a repository that is not package.json's (npm would refuse the provenance)", () => {
    const guard = steps()[stepRunning(/GITHUB_REPOSITORY/)]!;
    const url = (readManifest(join(REPOSITORY, "package.json")).repository as { url: string }).url;
    const repository = /^git\+https:\/\/github\.com\/([^/]+\/[^/]+)\.git$/.exec(url)?.[1];
    assert.ok(repository, `repository.url ${url} is a GitHub repository's git URL`);
    assert.equal(runStep(guard, { GITHUB_REPOSITORY: repository }), 0);
    assert.equal(runStep(guard, { GITHUB_REPOSITORY: "someone-else/pulumi-partnercenter" }), 1);
  });
});
