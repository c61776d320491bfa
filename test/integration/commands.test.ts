import { strict as assert } from "node:assert";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { Agent, request } from "undici";
import { EMULATOR_CA } from "pulumi-partnercenter/emulator";
import { refreshTokenCredential } from "../../provider/client/auth/msalCredentials";
import { Secret } from "../../provider/shared/secret";
import { testClient } from "../support/clientFactory";

const DIST = resolve(__dirname, "../..");

describe("npm run emulator", () => {
  it("prints its endpoint, a development token and settings for each credential its Entra ID serves (secret, certificate, GitHub OIDC, App+User with MFA) that work, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [join(DIST, "emulator/cli.js"), "--port", "0", "--customers", "7"]);
    try {
      const lines = createInterface({ input: child.stdout });
      const printed: string[] = [];
      for await (const line of lines) {
        printed.push(line);
        if (line.includes("/_emulator/usage/customers/")) break;
      }
      const text = printed.join("\n");
      const endpoint = /listening on (http:\/\/\S+)/.exec(text)?.[1];
      const token = /PARTNERCENTER_ACCESS_TOKEN=(\S+)/.exec(text)?.[1];
      assert.ok(endpoint && token, text);
      const response = await request(`${endpoint}/v1/customers?size=100`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(((await response.body.json()) as { totalCount: number }).totalCount, 7);

      // The printed settings, as a user would paste them: export runs through MSAL and the emulated Entra ID with the
      // shared lines (CA, endpoint, authority, tenant and client id) and one credential's own line at a time.
      const settingsOf = (line: string): NodeJS.ProcessEnv =>
        Object.fromEntries([...line.matchAll(/([A-Z_]+)='?([^\s']+)'?/g)].map(([, name, value]) => [name!, value!]));
      const lineWith = (name: string): string =>
        printed.find((line) => line.includes(`${name}=`)) ?? assert.fail(`no ${name} in\n${text}`);
      const shared = {
        ...settingsOf(lineWith("NODE_EXTRA_CA_CERTS")),
        ...settingsOf(lineWith("PARTNERCENTER_AUTHORITY")),
      };
      const ids = settingsOf(lineWith("AZURE_CLIENT_ID"));
      const credentials: Record<string, NodeJS.ProcessEnv> = {
        secret: ids,
        certificate: {
          AZURE_TENANT_ID: ids.AZURE_TENANT_ID,
          AZURE_CLIENT_ID: ids.AZURE_CLIENT_ID,
          ...settingsOf(lineWith("AZURE_CLIENT_CERTIFICATE_PATH")),
        },
        "GitHub OIDC": {
          AZURE_TENANT_ID: ids.AZURE_TENANT_ID,
          AZURE_CLIENT_ID: ids.AZURE_CLIENT_ID,
          ...settingsOf(lineWith("ACTIONS_ID_TOKEN_REQUEST_URL")),
        },
        "App+User with MFA": { ...ids, ...settingsOf(lineWith("PARTNERCENTER_REFRESH_TOKEN")) },
      };
      for (const [name, credential] of Object.entries(credentials)) {
        const exported = await promisify(execFile)(
          process.execPath,
          [join(DIST, "provider/cli/main.js"), "export", "--format", "json"],
          { env: { PATH: process.env.PATH, ...shared, ...credential } },
        ).catch((error: { stderr: string }) => assert.fail(`${name}: ${error.stderr}`));
        assert.equal((JSON.parse(exported.stdout) as { budgets: unknown[] }).budgets.length, 7, name);
      }
      // The printed usage change, as a user would paste it (the customer id filled in).
      const usage = /curl -X PATCH -H "authorization: Bearer (\S+)" -d '([^']+)' (\S+)<customer id>/.exec(
        printed.find((line) => line.includes("/_emulator/usage/")) ?? "",
      );
      assert.ok(usage, text);
      const [, bearer, body, url] = usage;
      const customers = (await (
        await request(`${endpoint}/v1/customers?size=100`, { headers: { authorization: `Bearer ${token}` } })
      ).body.json()) as { items: { id: string }[] };
      const changed = await request(`${url}${customers.items[0]!.id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${bearer}` },
        body,
      });
      assert.equal(changed.statusCode, 200);
      assert.equal(((await changed.body.json()) as { totalCost: number }).totalCost, 1234.56);
      // The App+User settings read spend, which the development token (app-only) may not.
      const dispatcher = new Agent({ connect: { ca: EMULATOR_CA } });
      const appUser = settingsOf(lineWith("PARTNERCENTER_REFRESH_TOKEN"));
      const context = {
        tenantId: ids.AZURE_TENANT_ID!,
        clientId: ids.AZURE_CLIENT_ID!,
        authority: shared.PARTNERCENTER_AUTHORITY!,
        dispatcher,
      };
      const spendReader = testClient(
        endpoint!,
        refreshTokenCredential(
          context,
          new Secret(appUser.PARTNERCENTER_REFRESH_TOKEN!),
          new Secret(ids.AZURE_CLIENT_SECRET!),
        ),
      );
      try {
        assert.equal((await spendReader.listUsageRecords()).length, 7);
      } finally {
        await spendReader.close();
        await dispatcher.close();
      }
      const refused = await request(`${endpoint}/v1/customers/usagerecords`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(refused.statusCode, 403, "the development token is app-only");
      await refused.body.dump();
    } finally {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = await exited;
      assert.equal(code, 0);
    }
  });

  it("counts the customers the partner can manage apart from those without a relationship, which the customer list omits", async () => {
    const child = spawn(process.execPath, [join(DIST, "emulator/cli.js"), "--port", "0"]);
    try {
      const lines = createInterface({ input: child.stdout });
      let banner = "";
      for await (const line of lines) {
        if (!line.startsWith("customers:")) continue;
        banner = line;
        break;
      }
      assert.match(
        banner,
        /^customers: 4 \(3 with a reseller relationship; 1 without one, which the customer list omits/,
      );
    } finally {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
  });

  for (const [server, flag] of [
    ["Partner Center emulator", "--port"],
    ["emulated Entra ID", "--entra-port"],
  ] as const) {
    it(`names the ${server}, its port and ${flag} when that port is taken and exits 2`, async () => {
      const taken = createServer();
      await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
      const port = (taken.address() as AddressInfo).port;
      try {
        const args =
          flag === "--port"
            ? ["--port", String(port), "--entra-port", "0"]
            : ["--port", "0", "--entra-port", String(port)];
        const result = await promisify(execFile)(process.execPath, [join(DIST, "emulator/cli.js"), ...args], {
          timeout: 30_000,
        }).catch((e: { code: number; stderr: string }) => e);
        assert.equal((result as { code: number }).code, 2);
        const first = (result as { stderr: string }).stderr.split("\n")[0];
        assert.equal(
          first,
          `emulator: the ${server}'s port ${port} on 127.0.0.1 is already in use (an emulator still running?): stop that process, or choose another port with ${flag} (0 picks a free one)`,
        );
      } finally {
        await new Promise((done) => taken.close(done));
      }
    });
  }

  it("rejects a bad flag with a message naming it", async () => {
    const result = await promisify(execFile)(process.execPath, [
      join(DIST, "emulator/cli.js"),
      "--customers",
      "0",
    ]).catch((e: { code: number; stderr: string }) => e);
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
    const result = await promisify(execFile)(process.execPath, [join(DIST, "scripts/demo.js")], { env }).catch(
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    assert.equal((result as { code: number }).code, 1);
    const stderr = (result as { stderr: string }).stderr.trim();
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(
      stderr,
      /^\[demo\] no `pulumi` ≥ 3\.274\.1 on PATH and no `go` to build one: install the Pulumi CLI \(https:\/\/www\.pulumi\.com\/docs\/iac\/download-install\/\) or Go ≥ 1\.26\.6$/,
    );
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
    const { stdout } = await promisify(execFile)(process.execPath, [join(DIST, "scripts/demo.js")], {
      env: { PATH: dir, PULUMI_PARTNERCENTER_DEMO_DIR: join(dir, "backend") },
    });
    const calls = readFileSync(log, "utf8").trim().split("\n");
    assert.equal(calls.length, 4, calls.join("\n"));
    assert.match(
      calls[0]!,
      /^stack select --create demo \| backend=file:\/\/.*\/backend \| exists=yes \| passphrase=set$/,
    );
    assert.match(calls[1]!, /^up --yes --stack demo \|/);
    assert.match(calls[2]!, /^preview --refresh --diff --stack demo \|/);
    assert.equal(calls[3], "contoso=4000");
    assert.match(stdout, /Pulumi CLI v3\.300\.0/);
    assert.match(stdout, /Emulator stopped/);
  });
});
