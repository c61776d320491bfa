/** Hostile and broken answers from the network: each test reproduces a defect of issue 11 first. */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "undici";
import { EMULATOR_CA, EntraEmulator, PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { readBoundedFile } from "../../provider/shared/boundedFile";
import { clientSecretCredential } from "../../provider/client/auth/msalCredentials";
import { readClientCertificate } from "../../provider/settings/credentialFiles";
import { cli } from "../support/cli";
import { MAX_BUDGETS_FILE_BYTES, readBudgetsFile } from "../../provider/gitops/budgetsFile";
import { PartnerCenterClient } from "../../provider/client/partnerCenter";
import { Secret } from "../../provider/shared/secret";
import { resolveSettings } from "../../provider/settings/settings";
import { answerJson, budgetAnswer, budgetCustomerOf, collectionPage } from "../support/answers";
import { fastRetry, withLoopbackClient } from "../support/clientFactory";
import { startLoopbackServer } from "../support/loopbackServer";

const TOKEN = "hardening-token-6b0f2c9e";
const NO_RETRY = { retry: fastRetry(0) };

function pageOf(ids: string[], next?: string): Record<string, unknown> {
  const items = ids.map((id) => ({ id, companyProfile: { tenantId: id, companyName: `Customer ${id.slice(0, 4)}` } }));
  return collectionPage(
    items,
    next ? { uri: next, headers: [{ key: "MS-ContinuationToken", value: "t1" }] } : undefined,
  );
}

async function listAll(client: PartnerCenterClient): Promise<number> {
  let customers = 0;
  for await (const page of client.listCustomers(client.startOperation(), 10)) customers += page.customers.length;
  return customers;
}

describe("hardening: what the network can answer", () => {
  it("a continuation link to another origin is not followed, and the token never goes there", async () => {
    const elsewhere = await startLoopbackServer((_req, res) => answerJson(res, pageOf([])));
    const partnerCenter = await startLoopbackServer((_req, res) =>
      answerJson(res, pageOf(["0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10"], `${elsewhere.origin}/v1/customers?seek=2`)),
    );
    try {
      await withLoopbackClient(partnerCenter, TOKEN, NO_RETRY, (client) =>
        assert.rejects(
          listAll(client),
          new RegExp(`continuation link points to ${elsewhere.origin}, not to ${partnerCenter.origin}: not followed`),
        ),
      );
      assert.equal(elsewhere.received.length, 0, "nothing, and so no token, was sent to the other origin");
    } finally {
      await elsewhere.stop();
    }
  });

  it("a continuation link that is not a URL is refused in words, naming the list, not with a bare TypeError", async () => {
    const partnerCenter = await startLoopbackServer((_req, res) =>
      answerJson(res, pageOf(["0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10"], "http://[not-a-host/v1/customers")),
    );
    await withLoopbackClient(partnerCenter, TOKEN, NO_RETRY, (client) =>
      assert.rejects(
        listAll(client),
        /Partner Center's answer to GET customer list could not be used: the customer list's continuation link "http:\/\/\[not-a-host\/v1\/customers" is not a URL/,
      ),
    );
  });

  it("a continuation that repeats itself is stopped instead of looping", async () => {
    const partnerCenter = await startLoopbackServer((_req, res) =>
      answerJson(res, pageOf(["0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10"], "/v1/customers?size=10&seekOperation=Next")),
    );
    await withLoopbackClient(partnerCenter, TOKEN, NO_RETRY, (client) =>
      assert.rejects(
        listAll(client),
        /continuation link repeats an earlier page \(page 2\); stopped instead of looping/,
      ),
    );
    assert.equal(partnerCenter.received.length, 2);
  });

  it("an endpoint with a path, an empty query or fragment is refused, and a refused endpoint never shows its password", () => {
    for (const endpoint of [
      "https://pc.example.com/v1",
      "https://pc.example.com/?",
      "https://pc.example.com/#",
      "https://pc.example.com/api/",
    ]) {
      assert.throws(
        () => resolveSettings({ get: (key) => (key === "partnercenter:endpoint" ? endpoint : undefined) }, {}),
        /must be the API's base URL only/,
        endpoint,
      );
    }
    for (const endpoint of [
      "https://partner:hunter2-secret@pc.example.com",
      "http://partner:hunter2-secret@pc.example.com/",
      "not a url://partner:hunter2-secret@x",
    ]) {
      assert.throws(
        () => resolveSettings({ get: (key) => (key === "partnercenter:endpoint" ? endpoint : undefined) }, {}),
        (error: Error) => !error.message.includes("hunter2-secret") && !error.message.includes("partner:"),
        endpoint,
      );
    }
  });
});

describe("hardening: partnercenter-budgets export", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "pc-hard-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("an incomplete export (a customer that cannot be read) leaves the reviewed file as it was, and leaves nothing half-written", async () => {
    const ids = ["0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10", "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f"];
    const service = await startLoopbackServer((req, res) => {
      const customer = budgetCustomerOf(req.url);
      if (customer === ids[1])
        return answerJson(
          res,
          { code: 20002, description: "Partner does not have a commerce relationship with the customer." },
          403,
        );
      answerJson(res, customer ? budgetAnswer(100) : pageOf(ids));
    });
    try {
      const file = join(dir, "budgets.yaml");
      writeFileSync(file, "# reviewed\nbudgets: []\n");
      const run = await cli(["export", "--output", file, "--force"], {
        PARTNERCENTER_ENDPOINT: service.origin,
        PARTNERCENTER_ACCESS_TOKEN: TOKEN,
        PARTNERCENTER_MAX_RETRIES: "0",
      });
      assert.equal(run.code, 2, run.stderr);
      assert.equal(readFileSync(file, "utf8"), "# reviewed\nbudgets: []\n", "the reviewed file is unchanged");
      assert.deepEqual(readdirSync(dir), ["budgets.yaml"], "no temporary file is left behind");
      assert.match(
        run.stderr,
        new RegExp(`customer ${ids[1]} .*could not be exported: Partner Center answered HTTP 403`),
      );
      assert.match(run.stderr, /nothing was written \(.*budgets.yaml is unchanged\)/);
    } finally {
      await service.stop();
    }
  });

  it("export holds what the service answers to the budgets-file rules: odd amounts and ids are named, and no file its own diff would reject is written", async () => {
    const ids = [
      "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10",
      "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f",
      "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
      "not-a-guid",
    ];
    const amounts: Record<string, number> = { [ids[0]!]: -5, [ids[1]!]: 10.001, [ids[2]!]: 300 };
    const service = await startLoopbackServer((req, res) => {
      const customer = budgetCustomerOf(req.url);
      answerJson(res, customer ? budgetAnswer(amounts[customer] ?? 1) : pageOf([...ids, ids[2]!.toUpperCase()]));
    });
    try {
      const file = join(dir, "budgets.yaml");
      const run = await cli(["export", "--output", file], {
        PARTNERCENTER_ENDPOINT: service.origin,
        PARTNERCENTER_ACCESS_TOKEN: TOKEN,
        PARTNERCENTER_MAX_RETRIES: "0",
      });
      assert.equal(run.code, 2, run.stderr);
      assert.deepEqual(readdirSync(dir), [], "nothing was written");
      assert.match(run.stderr, new RegExp(`customer ${ids[0]} .*amount -5 is negative`));
      assert.match(run.stderr, new RegExp(`customer ${ids[1]} .*amount 10.001 has more than two decimals`));
      assert.match(run.stderr, /customer not-a-guid .*is not a GUID/);
      assert.match(run.stderr, new RegExp(`customer ${ids[2]} is declared twice`));
    } finally {
      await service.stop();
    }
  });
});

describe("hardening: sizes and kinds of what is read", () => {
  it("an answer larger than 8 MiB is cut off and reported, never buffered whole", async () => {
    const chunk = Buffer.alloc(1024 * 1024, " ");
    const service = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      let sent = 0;
      const more = (): void => {
        while (sent < 200 && res.write(chunk)) sent += 1;
        if (sent < 200) res.once("drain", more);
        else res.end();
      };
      more();
    });
    await withLoopbackClient(service, TOKEN, NO_RETRY, (client) =>
      assert.rejects(
        client.getBudget("0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10", client.startOperation()),
        /the answer's body is larger than 8388608 bytes; it was not read/,
      ),
    );
  });

  it("a budgets file or certificate that is /dev/zero, a FIFO, a directory or too large is refused at once, naming what it is", () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-files-"));
    try {
      execFileSync("mkfifo", [join(dir, "fifo")]);
      writeFileSync(join(dir, "huge.yaml"), Buffer.alloc(MAX_BUDGETS_FILE_BYTES + 1, "#"));
      assert.throws(() => readBudgetsFile("/dev/zero"), /\/dev\/zero: is a character device, not a regular file/);
      assert.throws(() => readBudgetsFile(join(dir, "fifo")), /fifo: is a FIFO \(named pipe\), not a regular file/);
      assert.throws(() => readBudgetsFile(dir), /is a directory, not a regular file/);
      assert.throws(
        () => readBudgetsFile(join(dir, "huge.yaml")),
        /huge.yaml: is 8388609 bytes, more than the 8388608 bytes allowed/,
      );
      assert.throws(
        () =>
          readClientCertificate(
            { value: "/dev/zero", origin: "stack config partnercenter:clientCertificatePath" },
            true,
          ),
        /certificate file "\/dev\/zero" is a character device, not a regular file/,
      );
      assert.throws(
        () =>
          readClientCertificate(
            { value: join(dir, "fifo"), origin: "stack config partnercenter:clientCertificatePath" },
            true,
          ),
        /is a FIFO/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a reader that cannot trust the path refuses a link in the file's place and judges the file it opened; the others follow links as before", () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-files-"));
    try {
      writeFileSync(join(dir, "file"), "text");
      symlinkSync(join(dir, "file"), join(dir, "link"));
      assert.equal(readBoundedFile(join(dir, "link"), 100), "text", "followed without checks");
      assert.throws(
        () => readBoundedFile(join(dir, "link"), 100, { noFollow: true }),
        /^UnreadableFileError: is a symbolic link$/,
      );
      assert.equal(readBoundedFile(join(dir, "file"), 100, { noFollow: true }), "text");
      const seen: number[] = [];
      const accept = (stats: { size: number }) => (seen.push(stats.size), stats.size > 2 ? "is too wordy" : undefined);
      assert.throws(() => readBoundedFile(join(dir, "file"), 100, { accept }), /^UnreadableFileError: is too wordy$/);
      assert.deepEqual(seen, [4], "judged by the opened file's fstat");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hardening: what the CLI prints", () => {
  it("partnercenter-budgets never prints the token, even when Partner Center quotes the request (Authorization header included) in its errors", async () => {
    const emulator = await PartnerCenterEmulator.start({ faults: { echoRequestsInErrors: true } });
    const dir = mkdtempSync(join(tmpdir(), "pc-echo-"));
    try {
      const tailspin = "5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b";
      writeFileSync(join(dir, "budgets.yaml"), `budgets:\n  - customerId: ${tailspin}\n    amount: 5\n`);
      const run = await cli(["diff", join(dir, "budgets.yaml")], {
        PARTNERCENTER_ENDPOINT: emulator.endpoint,
        PARTNERCENTER_ACCESS_TOKEN: emulator.accessToken,
      });
      assert.equal(run.code, 2, "the budget could not be read");
      assert.match(
        run.stdout,
        /HTTP 403, code 20002 .*\(request: GET .*; Authorization: Bearer \[secret\]/,
        "the service's text is shown, the token is not",
      );
      assert.ok(!`${run.stdout}${run.stderr}`.includes(emulator.accessToken));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await emulator.stop();
    }
  });
});

describe("hardening: Microsoft Entra ID out of reach", () => {
  const appContext = (authority: string, dispatcher: Agent) => ({
    tenantId: "0a1b2c3d-0000-4000-8000-000000000001",
    clientId: "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    authority,
    dispatcher,
    timeoutMs: 20_000,
  });

  it("a connection refused is retried, then reported as not reaching Entra ID (not as Entra refusing the secret), with the cause", async () => {
    const dispatcher = new Agent();
    try {
      const credential = clientSecretCredential(
        appContext("https://127.0.0.1:1", dispatcher),
        new Secret("entra-unreachable-secret"),
      );
      await assert.rejects(credential.getToken(), (error: Error) => {
        assert.match(
          error.message,
          /could not reach Microsoft Entra ID at https:\/\/127.0.0.1:1 \(ECONNREFUSED: .*\) after 3 attempts: check the network, HTTPS_PROXY\/NO_PROXY and partnercenter:authority/,
        );
        assert.doesNotMatch(error.message, /refused the client secret/);
        return true;
      });
    } finally {
      await dispatcher.close();
    }
  });

  it("a certificate Node does not trust is reported as a TLS failure at once, pointing at NODE_EXTRA_CA_CERTS", async () => {
    const entra = await EntraEmulator.start({
      apps: [{ clientId: "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", secret: "s" }],
    });
    const dispatcher = new Agent();
    try {
      const credential = clientSecretCredential(
        appContext(entra.authority, dispatcher),
        new Secret("entra-tls-secret-value"),
      );
      await assert.rejects(
        credential.getToken(),
        /the TLS connection to Microsoft Entra ID at https:\/\/127.0.0.1:\d+ failed \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY): .*\): check NODE_EXTRA_CA_CERTS/,
      );
      assert.equal(entra.tokenRequests.length, 0);
    } finally {
      await dispatcher.close();
      await entra.stop();
    }
  });
});

describe("hardening: what Microsoft Entra ID quotes back", () => {
  it("a refusal that quotes the request (the client secret in it) carries no secret, even before it leaves the process", async () => {
    const entra = await EntraEmulator.start({
      apps: [{ clientId: "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", secret: "the-registered-secret" }],
      echoRequestsInErrors: true,
    });
    const dispatcher = new Agent({ connect: { ca: EMULATOR_CA } });
    try {
      const context = {
        tenantId: entra.tenantId,
        clientId: "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
        authority: entra.authority,
        dispatcher,
      };
      const credential = clientSecretCredential(context, new Secret("quoted-back-wrong-secret-4c1e"));
      await assert.rejects(credential.getToken(), (error: Error) => {
        assert.match(
          error.message,
          /Microsoft Entra ID refused the client secret .*: invalid_client: AADSTS7000215: .* \(request: .*client_secret=\[secret\]/,
        );
        assert.doesNotMatch(error.message, /quoted-back-wrong-secret-4c1e/);
        return true;
      });
    } finally {
      await dispatcher.close();
      await entra.stop();
    }
  });
});
