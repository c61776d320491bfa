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

  it("without a Pulumi CLI on PATH or in the cache, and no Go to build one, says in one line what to install and exits non-zero", async () => {
    const env = { PATH: dir, PULUMI_PARTNERCENTER_CLI_CACHE: join(dir, "cache") };
    const result = await promisify(execFile)(process.execPath, [join(DIST, "scripts/demo.js")], { env }).catch((e: { code: number; stderr: string; stdout: string }) => e);
    assert.equal((result as { code: number }).code, 1);
    const stderr = (result as { stderr: string }).stderr.trim();
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(stderr, /^\[demo\] no `pulumi` ≥ 3\.274\.1 on PATH and no `go` to build one: install the Pulumi CLI \(https:\/\/www\.pulumi\.com\/docs\/iac\/download-install\/\) or Go ≥ 1\.26\.6$/);
    assert.equal((result as { stdout: string }).stdout, "", "no emulator was started");
  });

  it("with a Pulumi CLI and its Node.js language host on PATH, runs the project from a shell: the backend directory exists before the first command, up, then a refreshing preview after the portal change", async () => {
    // Stand-ins for a released CLI and its language host (a test contacts nothing beyond loopback): the CLI records
    // each call, whether the file backend's directory exists, and, at the preview, what the emulator reports for
    // Contoso, proving the portal change happened before it.
    const log = join(dir, "calls.log");
    writeFileSync(
      join(dir, "pulumi"),
      `#!/bin/sh
if [ "$1" = version ]; then echo v3.300.0; exit 0; fi
backend="\${PULUMI_BACKEND_URL#file://}"
echo "$* | backend=$PULUMI_BACKEND_URL | exists=$([ -d "$backend" ] && echo yes || echo no) | passphrase=\${PULUMI_CONFIG_PASSPHRASE:+set}" >> "${log}"
case "$1" in preview) "${process.execPath}" -e '
fetch(process.env.PARTNERCENTER_ENDPOINT + "/v1/customers/0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10/usagebudget",
  { headers: { authorization: "Bearer " + process.env.PARTNERCENTER_ACCESS_TOKEN } })
  .then((r) => r.json()).then((b) => require("fs").appendFileSync("${log}", "contoso=" + b.amount + "\\n"));' ;; esac
`,
    );
    writeFileSync(join(dir, "pulumi-language-nodejs"), "#!/bin/sh\nexit 1\n");
    for (const name of ["pulumi", "pulumi-language-nodejs"]) chmodSync(join(dir, name), 0o755);
    const { stdout } = await promisify(execFile)(process.execPath, [join(DIST, "scripts/demo.js")], { env: { PATH: dir, PULUMI_PARTNERCENTER_DEMO_DIR: join(dir, "backend") } });
    const calls = readFileSync(log, "utf8").trim().split("\n");
    assert.equal(calls.length, 4, calls.join("\n"));
    assert.match(calls[0]!, /^stack select --create demo \| backend=file:\/\/.*\/backend \| exists=yes \| passphrase=set$/);
    assert.match(calls[1]!, /^up --yes --stack demo \|/);
    assert.match(calls[2]!, /^preview --refresh --diff --stack demo \|/);
    assert.equal(calls[3], "contoso=4000");
    assert.match(stdout, /Pulumi CLI v3\.300\.0/);
    assert.match(stdout, /Emulator stopped/);
  });
});
