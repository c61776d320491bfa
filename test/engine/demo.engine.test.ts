/** `npm run demo` as a newcomer runs it: the repository's stack under the real Pulumi CLI against the emulator. */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { cleanEnv } from "../support/environment";

const REPOSITORY = resolve(__dirname, "../../..");
const CONTOSO = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";

describe("npm run demo (node dist/scripts/demo.js)", function () {
  this.timeout(180_000);

  it("creates the backend directory, runs up, and preview --refresh --diff shows the portal change as drift with who made it", async () => {
    // Its own backend directory, made by the demo: other tests run the demo too.
    const backend = join(mkdtempSync(join(tmpdir(), "pc-demo-")), "backend");
    try {
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (done) => {
          const env = cleanEnv({ PULUMI_PARTNERCENTER_DEMO_DIR: backend });
          const child = execFile(
            process.execPath,
            [resolve(REPOSITORY, "dist/scripts/demo.js")],
            { cwd: REPOSITORY, env, timeout: 170_000 },
            (_error, out, err) => done({ code: child.exitCode, stdout: out, stderr: err }),
          );
        },
      );
      assert.equal(code, 0, `${stdout}\n${stderr}`);
      assert.ok(
        existsSync(join(backend, ".pulumi")),
        "the demo made the file backend's directory, and the CLI wrote its state there",
      );
      assertDrift(stdout);
    } finally {
      rmSync(dirname(backend), { recursive: true, force: true });
    }
  });
});

function assertDrift(stdout: string): void {
  assert.match(stdout, /\+ 5 created/);
  assert.match(
    stdout,
    new RegExp(
      `UsageBudget: \\(refresh\\)\\n(.*\\n)*?.*budgets-${CONTOSO}\\]\\n.*--outputs:--\\n\\s+~ amount\\s+: 1200 => 4000\\n\\s+\\+ lastChange\\s+: "changed by jane\\.doe@partner\\.onmicrosoft\\.com on \\S+, from 1200 to 4000"`,
    ),
  );
  assert.match(stdout, /~ amount\s+: 4000 => 1200/);
  assert.match(stdout, /~ 1 to update/);
  assert.match(stdout, /\[demo\] Emulator stopped\./);
}
