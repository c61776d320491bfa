import { strict as assert } from "node:assert";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { request } from "undici";

const DIST = resolve(__dirname, "../..");

describe("npm run emulator", () => {
  it("prints its endpoint, a development token and client-secret settings for its Entra ID that work, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [join(DIST, "emulator/cli.js"), "--port", "0", "--customers", "7"]);
    try {
      const lines = createInterface({ input: child.stdout });
      const printed: string[] = [];
      for await (const line of lines) {
        printed.push(line);
        if (line.includes("AZURE_CLIENT_SECRET=")) break;
      }
      const text = printed.join("\n");
      const endpoint = /listening on (http:\/\/\S+)/.exec(text)?.[1];
      const token = /PARTNERCENTER_ACCESS_TOKEN=(\S+)/.exec(text)?.[1];
      assert.ok(endpoint && token, text);
      const response = await request(`${endpoint}/v1/customers?size=100`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(((await response.body.json()) as { totalCount: number }).totalCount, 7);

      // The printed client-secret settings, as a user would paste them: export runs through MSAL and the emulated Entra ID.
      const env: NodeJS.ProcessEnv = {};
      for (const [, name, value] of text.matchAll(/([A-Z_]+)=(\S+)/g)) if (name !== "PARTNERCENTER_ACCESS_TOKEN") env[name!] = value!;
      const exported = await promisify(execFile)(process.execPath, [join(DIST, "provider/cli/main.js"), "export", "--format", "json"], { env: { PATH: process.env.PATH, ...env } });
      assert.equal((JSON.parse(exported.stdout) as { budgets: unknown[] }).budgets.length, 7);
    } finally {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = await exited;
      assert.equal(code, 0);
    }
  });

  it("rejects a bad flag with a message naming it", async () => {
    const result = await promisify(execFile)(process.execPath, [join(DIST, "emulator/cli.js"), "--customers", "0"]).catch((e: { code: number; stderr: string }) => e);
    assert.equal((result as { code: number }).code, 2);
    assert.match((result as { stderr: string }).stderr, /--customers must be a whole number of at least 1, not "0"/);
  });
});

describe("npm run demo", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pc-demo-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("without the Pulumi CLI on PATH, nor npx to fetch its launcher, says in one line how to install it and exits non-zero", async () => {
    const result = await promisify(execFile)(process.execPath, [join(DIST, "scripts/demo.js")], { env: { PATH: dir } }).catch((e: { code: number; stderr: string; stdout: string }) => e);
    assert.equal((result as { code: number }).code, 1);
    const stderr = (result as { stderr: string }).stderr.trim();
    assert.equal(stderr.split("\n").length, 1);
    assert.match(stderr, /needs the Pulumi CLI: no `pulumi` on PATH, and no `npx` .*; install it from https:\/\/www.pulumi.com\/docs\/iac\/download-install\/ \(version 3.139 or later\)/);
    assert.equal((result as { stdout: string }).stdout, "", "no emulator was started");
  });

  it("without the Pulumi CLI on PATH, fetches it through its npm launcher; when that download fails, says why in one line and exits non-zero", async () => {
    // A stand-in npx (a test contacts nothing beyond loopback): it records its arguments and fails with what the real
    // launcher printed on this machine, which cannot reach the CLI download site: "pulumi: fetch failed".
    const log = join(dir, "npx.log");
    writeFileSync(join(dir, "npx"), `#!/bin/sh\necho "$*" >> "${log}"\necho "Downloading pulumi v3.265.0..." >&2\necho "pulumi: fetch failed" >&2\nexit 1\n`);
    chmodSync(join(dir, "npx"), 0o755);
    const result = await promisify(execFile)(process.execPath, [join(DIST, "scripts/demo.js")], { env: { PATH: dir } }).catch((e: { code: number; stderr: string; stdout: string }) => e);
    assert.equal((result as { code: number }).code, 1);
    assert.equal(readFileSync(log, "utf8").trim(), "--yes pulumi@3.265.0 version");
    const stderr = (result as { stderr: string }).stderr.trim();
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(stderr, /its npm launcher could not get the CLI \(pulumi: fetch failed\); install it from/);
  });

  it("runs up, then a refreshing preview after an out-of-band change, against a stand-in pulumi that records its calls", async () => {
    // A stand-in for the CLI (which cannot be installed here): it records each call and, at the
    // preview, what the emulator reports for Contoso, proving the portal change happened before it.
    const log = join(dir, "calls.log");
    writeFileSync(
      join(dir, "pulumi"),
      `#!/bin/sh
echo "$* | backend=$PULUMI_BACKEND_URL | passphrase=\${PULUMI_CONFIG_PASSPHRASE:+set}" >> "${log}"
case "$1" in preview) "${process.execPath}" -e '
fetch(process.env.PARTNERCENTER_ENDPOINT + "/v1/customers/0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10/usagebudget",
  { headers: { authorization: "Bearer " + process.env.PARTNERCENTER_ACCESS_TOKEN } })
  .then((r) => r.json()).then((b) => require("fs").appendFileSync("${log}", "contoso=" + b.amount + "\\n"));' ;; esac
`,
    );
    chmodSync(join(dir, "pulumi"), 0o755);
    const { stdout } = await promisify(execFile)(process.execPath, [join(DIST, "scripts/demo.js")], { env: { PATH: dir } });
    const calls = readFileSync(log, "utf8").trim().split("\n");
    assert.equal(calls.length, 4, calls.join("\n"));
    assert.match(calls[0]!, /^stack select --create demo \| backend=file:\/\/.*\.pulumi-demo \| passphrase=set$/);
    assert.match(calls[1]!, /^up --yes --stack demo \|/);
    assert.match(calls[2]!, /^preview --refresh --diff --stack demo \|/);
    assert.equal(calls[3], "contoso=4000");
    assert.match(stdout, /Emulator stopped/);
  });
});
