/** `npm run demo` as a newcomer runs it: the repository's stack under the real Pulumi CLI against the emulator. */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { cleanEnv } from "./stack";

const REPOSITORY = resolve(__dirname, "../../..");
const CONTOSO = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";

describe("npm run demo (node dist/scripts/demo.js)", function () {
  this.timeout(180_000);

  it("creates the backend directory, runs up, and preview --refresh --diff shows the portal change as drift with who made it", async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = execFile(process.execPath, [resolve(REPOSITORY, "dist/scripts/demo.js")], { cwd: REPOSITORY, env: cleanEnv(), timeout: 170_000 }, (_error, out, err) =>
        done({ code: child.exitCode, stdout: out, stderr: err }),
      );
    });
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.ok(existsSync(resolve(REPOSITORY, ".pulumi-demo")), "the file backend's directory exists");
    assert.match(stdout, /\+ 5 created/);
    assert.match(stdout, new RegExp(`UsageBudget: \\(refresh\\)\\n(.*\\n)*?.*budgets-${CONTOSO}\\]\\n.*--outputs:--\\n\\s+~ amount\\s+: 1200 => 4000\\n\\s+\\+ lastChange\\s+: "changed by jane\\.doe@partner\\.onmicrosoft\\.com on \\S+, from 1200 to 4000"`));
    assert.match(stdout, /~ amount\s+: 4000 => 1200/);
    assert.match(stdout, /~ 1 to update/);
    assert.match(stdout, /\[demo\] Emulator stopped\./);
  });
});
