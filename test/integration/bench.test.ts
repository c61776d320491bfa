import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

interface Phase {
  phase: string;
  requests: number;
  throttled: number;
  failures: number;
  fewestRequests: number;
  spendRequests: number;
  boundSeconds: number;
  windowSeconds: number;
  binds: string;
  ratio: number | null;
}

describe("npm run bench", function () {
  this.timeout(120_000);

  it("runs a cell's create, refresh and update through the real Pulumi CLI, with bounds, the sequential baseline and the plot", async () => {
    const out = mkdtempSync(join(tmpdir(), "pc-bench-"));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [
        resolve(__dirname, "../../bench/run.js"),
        "--json",
        "--n",
        "30",
        "--limits",
        "fixed:40/1",
        "--parallel",
        "8",
        "--out",
        out,
      ]);
      const result = JSON.parse(stdout) as {
        cells: {
          limit: string;
          phases: Phase[];
          stateBytesPerResource: number;
          providerBytes: number;
          hostPeakRssBytes: number;
        }[];
        baseline: Phase[];
      };
      assert.deepEqual(
        result.cells.map((cell) => cell.limit),
        ["fixed:40/1"],
      );
      for (const cell of result.cells) {
        assert.deepEqual(
          cell.phases.map((p) => p.phase),
          ["up (create)", "refresh (10% drift)", "up (update)"],
        );
        const [create, refresh, update] = cell.phases as [Phase, Phase, Phase];
        // Each budget read then written; each read once (plus the activity log for each of the 3 drifted); each written once.
        assert.deepEqual([create.fewestRequests, refresh.fewestRequests, update.fewestRequests], [60, 33, 30]);
        // One spend listing per provider process that creates or refreshes (N + 1 requests, not 2N); none for an update.
        assert.deepEqual([create.spendRequests, refresh.spendRequests, update.spendRequests], [1, 1, 0]);
        for (const phase of cell.phases) {
          assert.equal(phase.failures, 0, phase.phase);
          assert.equal(
            phase.requests - phase.throttled,
            phase.fewestRequests,
            `${phase.phase}: every request beyond the fewest is a 429's retry`,
          );
          assert.ok(phase.boundSeconds > 0 && phase.windowSeconds > 0 && phase.ratio !== null, phase.phase);
        }
        assert.ok(cell.stateBytesPerResource > 0 && cell.providerBytes > 0 && cell.hostPeakRssBytes > 0);
      }
      // 40 per 1-s window at 8 × 40 ms (200 requests/s at most): the 60 create requests need the second window.
      assert.equal(result.cells[0]!.phases[0]!.binds, "limit");
      assert.equal(result.baseline[0]?.phase, "sequential create");
      assert.equal(result.baseline[0]?.failures, 0);
      assert.match(readFileSync(join(out, "create-rate.svg"), "utf8"), /^<svg[^>]*>[\s\S]*polyline[\s\S]*<\/svg>\n$/);
      assert.equal(JSON.parse(readFileSync(join(out, "bench.json"), "utf8")).cells.length, 1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
