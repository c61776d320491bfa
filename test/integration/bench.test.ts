import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

interface Phase {
  phase: string;
  requests: { GET: number; PATCH: number };
  failures: number;
  retries: number;
  ratio: number | null;
  connections: number;
}

describe("npm run bench -- --quick", function () {
  this.timeout(120_000);

  it("drives the budgets through the provider host and reports every phase, the baseline and the plot", async () => {
    const out = mkdtempSync(join(tmpdir(), "pc-bench-"));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [resolve(__dirname, "../../bench/run.js"), "--quick", "--json", "--n", "60", "--rate-limit", "200", "--out", out]);
      const result = JSON.parse(stdout) as { phases: Phase[]; baseline: Phase[]; perResource: { providerBytes: number; stateBytes: number }; tokenAcquisitions: number };
      // Every pass of the engine is its own provider process: one token per pass that sends requests
      // (up create, preview --refresh, up update; the preview passes of the ups and the no-op preview send none).
      assert.equal(result.tokenAcquisitions, 3, "one token per provider process that sends requests");
      assert.deepEqual(result.phases.map((p) => p.phase), ["up (create)", "preview (no-op)", "preview --refresh (10% drift)", "up (update)"]);
      const [create, noop, refresh, update] = result.phases as [Phase, Phase, Phase, Phase];
      assert.deepEqual(noop.requests, { GET: 0, PATCH: 0 }, "a no-op preview sends nothing");
      // Each budget once, plus one activity-log read per drifted budget (10 % of 60) to say who changed it.
      assert.equal(refresh.requests.GET - refresh.retries, 66, "a refresh reads each budget once");
      assert.equal(refresh.requests.PATCH, 0);
      assert.ok(create.requests.GET >= 60 && create.requests.PATCH >= 60, "every create reads, then writes the new amount");
      assert.equal(update.requests.PATCH - update.retries, 60);
      for (const phase of result.phases) assert.equal(phase.failures, 0, phase.phase);
      assert.ok(create.connections <= 32, `${create.connections} connections, more than the default maxConcurrency`);
      assert.equal(result.baseline[0]?.phase, "baseline up (create)");
      assert.ok(result.perResource.providerBytes <= 2048);
      assert.match(readFileSync(join(out, "create-rate.svg"), "utf8"), /^<svg[^>]*>[\s\S]*polyline[\s\S]*<\/svg>\n$/);
      assert.ok(JSON.parse(readFileSync(join(out, "bench.json"), "utf8")).phases.length === 4);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
