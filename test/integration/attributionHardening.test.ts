/**
 * Drift attribution and collection paging against hostile or broken answers
 * (issue 22): each test reproduces one defect through HTTP, from the emulator
 * or a loopback server, and fails without its fix.
 */
import { strict as assert } from "node:assert";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { generateCustomers, PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { attributeDrifts, type Attribution } from "../../provider/gitops/attribution";
import { PartnerCenterClient } from "../../provider/client/partnerCenter";
import { answerJson, collectionPage } from "../support/answers";
import { emulatorClient, fastRetry, withLoopbackClient } from "../support/clientFactory";
import { startLoopbackServer, type LoopbackServer } from "../support/loopbackServer";
import { UnusableAnswerError } from "../../provider/shared/errors";

const TOKEN = "attribution-hardening-token-3c1d9e7a";
const NO_RETRY = { retry: fastRetry(0) };
const BUDGET_CHANGE = "update_customer_spending_budget";
/** A fixed "now" for answers a loopback server makes up (no real-time windows). */
const NOW = Date.parse("2026-05-01T12:00:00Z");
const HOUR_MS = 3600_000;
/** The clock skew a record's date may show (5 minutes). */
const SKEW_MS = 5 * 60_000;
const IDS = generateCustomers(8).map((customer) => customer.id);

/** An activity-log record as the service sends it: a successful budget change to `amount`, unless told otherwise. */
function record(
  customerId: string,
  amount: number | null,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    customerId,
    userPrincipalName: "",
    applicationId: "",
    resourceOldValue: "{}",
    resourceNewValue: JSON.stringify(amount === null ? {} : { Amount: amount }),
    operationType: BUDGET_CHANGE,
    operationDate: new Date(NOW - HOUR_MS).toISOString(),
    operationStatus: "succeeded",
    ...fields,
  };
}

function found(attribution: Attribution | undefined): { by: string; at: string; to: number | null } | undefined {
  return attribution?.found ? { by: attribution.by, at: attribution.at, to: attribution.to } : undefined;
}

function withServer<T>(server: LoopbackServer, run: (client: PartnerCenterClient) => Promise<T>): Promise<T> {
  return withLoopbackClient(server, TOKEN, NO_RETRY, run);
}

async function drainAuditLog(client: PartnerCenterClient): Promise<number> {
  let pages = 0;
  for await (const _page of client.listAuditRecords(client.startOperation(), {})) pages += 1;
  return pages;
}

describe("hardening (issue 22): who changed a drifted budget, from the activity log", function () {
  this.timeout(60_000);

  describe("with the emulator's activity log", () => {
    let emulator: PartnerCenterEmulator;
    let client: PartnerCenterClient;
    const customers = generateCustomers(8);

    beforeEach(async () => {
      emulator = await PartnerCenterEmulator.start({ customers });
      client = emulatorClient(emulator, NO_RETRY);
    });
    afterEach(async () => {
      await client.close();
      await emulator.stop();
    });

    const logRequests = (): number =>
      emulator.requests.filter((request) => request.path.startsWith("/v1/auditrecords")).length;

    it("stops reading once every drift is explained: 1 request, not 100, when the matches are on page 1 of a 100-page log (one query for the whole window)", async () => {
      for (let i = 0; i < 49_994; i++) emulator.audit.add({ customerId: IDS[i % 8]!, operationType: "create_order" });
      for (const [i, id] of IDS.slice(0, 6).entries())
        emulator.setBudget(id, 6000 + i, `user${i}@partner.onmicrosoft.com`);
      assert.equal(emulator.audit.records.length, 100 * 500, "100 full pages");
      emulator.clearRequests();
      const drifts = new Map(IDS.slice(0, 6).map((id, i) => [id, 6000 + i] as [string, number]));
      const attributions = await attributeDrifts(client, drifts);
      assert.deepEqual(
        [...attributions.values()].map((attribution) => found(attribution)?.by),
        IDS.slice(0, 6).map((_id, i) => `user${i}@partner.onmicrosoft.com`),
      );
      assert.equal(logRequests(), 1);
    });

    it("stops reading once the drift is explained with one query per customer too: 1 request for a customer whose log is 100 pages", async () => {
      for (let i = 0; i < 49_999; i++)
        emulator.audit.add({ customerId: IDS[0]!, operationType: "update_customer_qualification" });
      emulator.setBudget(IDS[0]!, 4321, "jane@partner.onmicrosoft.com");
      emulator.clearRequests();
      const attributions = await attributeDrifts(client, new Map([[IDS[0]!, 4321]]));
      assert.equal(found(attributions.get(IDS[0]!))?.by, "jane@partner.onmicrosoft.com");
      assert.equal(logRequests(), 1);
    });

    it('reads amounts by the API\'s rules: "0x1F4" is not 500, "" is not 0, " 7" and "1e3" are not numbers', async () => {
      const cases = [
        { id: IDS[0]!, amount: 500, forged: "0x1F4" },
        { id: IDS[1]!, amount: 0, forged: "" },
        { id: IDS[3]!, amount: 7, forged: " 7" },
        { id: IDS[4]!, amount: 1000, forged: "1e3" },
        { id: IDS[5]!, amount: 12, forged: true },
      ];
      for (const { id, amount, forged } of cases) {
        emulator.setBudget(id, amount, "real@partner.onmicrosoft.com");
        // Newer than the real change (listed first), with a new value that only a lax reading takes for the live amount.
        emulator.audit.add({
          customerId: id,
          operationType: BUDGET_CHANGE,
          userPrincipalName: "forged@partner.onmicrosoft.com",
          resourceNewValue: JSON.stringify({ Amount: forged }),
        });
      }
      const attributions = await attributeDrifts(
        client,
        new Map(cases.map(({ id, amount }) => [id, amount] as [string, number])),
      );
      for (const { id, amount } of cases)
        assert.deepEqual(
          found(attributions.get(id)) && { by: found(attributions.get(id))!.by, to: found(attributions.get(id))!.to },
          { by: "real@partner.onmicrosoft.com", to: amount },
          id,
        );
    });

    it('shows user names and application ids as fit text: secrets redacted, no control characters, bounded; an application id that is no GUID is "an application"', async () => {
      const hostileUser = `eve\u001b]0;pwned\u0007@partner\u202Eevil\r\n${emulator.accessToken} ${"x".repeat(5000)}`;
      emulator.setBudget(IDS[0]!, 610, hostileUser);
      emulator.setBudget(IDS[1]!, 620, "");
      emulator.audit.records.at(-1)!.applicationId = "Partner Center Web\u001b[2J\u001b[31m";
      emulator.setBudget(IDS[3]!, 630, "");
      emulator.audit.records.at(-1)!.applicationId = "5A0F1C2E-3B4D-4E5F-8A9B-0C1D2E3F4A5B";
      const attributions = await attributeDrifts(
        client,
        new Map([
          [IDS[0]!, 610],
          [IDS[1]!, 620],
          [IDS[3]!, 630],
        ]),
      );
      const user = found(attributions.get(IDS[0]!))!.by;
      assert.ok(
        user.startsWith("eve\uFFFD]0;pwned\uFFFD@partner\uFFFDevil [secret] xxx"),
        JSON.stringify(user.slice(0, 80)),
      );
      assert.ok(!/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/.test(user), "no control characters");
      assert.ok(!user.includes(emulator.accessToken));
      assert.match(user, /… \(\d+ more characters\)$/);
      assert.ok([...user].length < 250, `${[...user].length} characters`);
      assert.equal(found(attributions.get(IDS[1]!))!.by, "an application");
      assert.equal(found(attributions.get(IDS[3]!))!.by, "application 5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
    });
  });

  describe("with a loopback server's answers", () => {
    it("keeps what it found when a later page fails: the customers not yet explained say the log could not be read further, and why", async () => {
      const drifts = new Map(IDS.slice(0, 6).map((id, i) => [id, 100 + i] as [string, number]));
      const server = await startLoopbackServer((req, res) => {
        if (!req.url!.includes("seekOperation=Next")) {
          answerJson(
            res,
            collectionPage(
              [
                record(IDS[0]!, 100, { userPrincipalName: "a@partner.onmicrosoft.com" }),
                record(IDS[1]!, 101, { userPrincipalName: "b@partner.onmicrosoft.com" }),
              ],
              {
                uri: "/v1/auditrecords?seekOperation=Next",
                headers: [{ key: "MS-ContinuationToken", value: "page2" }],
              },
            ),
          );
        } else {
          answerJson(res, { code: 500, description: "The activity log store is unavailable." }, 500);
        }
      });
      const attributions = await withServer(server, (client) => attributeDrifts(client, drifts, NOW));
      assert.equal(found(attributions.get(IDS[0]!))?.by, "a@partner.onmicrosoft.com");
      assert.equal(found(attributions.get(IDS[1]!))?.by, "b@partner.onmicrosoft.com");
      for (const id of IDS.slice(2, 6)) {
        const attribution = attributions.get(id)!;
        assert.ok(!attribution.found);
        assert.match(
          attribution.reason,
          /^the activity log could not be read further \(after 1 page\): Partner Center answered HTTP 500.*The activity log store is unavailable/,
        );
      }
      assert.equal(server.received.length, 2);
    });

    it("chooses the newest record whose date is a valid ISO 8601 date-time and not in the future (5 minutes of clock skew allowed), whatever the order on the page", async () => {
      const id = IDS[0]!;
      const page = [
        record(id, 700, { userPrincipalName: "older@partner.onmicrosoft.com", operationDate: "2026-04-29T12:00:00Z" }),
        record(id, 700, {
          userPrincipalName: "future@partner.onmicrosoft.com",
          operationDate: new Date(NOW + HOUR_MS).toISOString(),
        }),
        // V8 reads 31 April as 1 May 00:00, newer than the real change: a date that does not exist is not a date.
        record(id, 700, {
          userPrincipalName: "april31@partner.onmicrosoft.com",
          operationDate: "2026-04-31T00:00:00Z",
        }),
        record(id, 700, {
          userPrincipalName: "midnight24@partner.onmicrosoft.com",
          operationDate: "2026-04-30T24:00:00Z",
        }),
        record(id, 700, { userPrincipalName: "nozone@partner.onmicrosoft.com", operationDate: "2026-05-01T11:00:00" }),
        record(id, 700, {
          userPrincipalName: "words@partner.onmicrosoft.com",
          operationDate: "Fri, 01 May 2026 11:00:00 GMT",
        }),
        record(id, 700, {
          userPrincipalName: "control@partner.onmicrosoft.com",
          operationDate: "2026-05-01T11:00:00Z\u001b[2J",
        }),
        record(id, 700, {
          userPrincipalName: "newest@partner.onmicrosoft.com",
          operationDate: "2026-04-30T14:00:00.1234567+02:00",
        }),
        record(id, 700, { userPrincipalName: "none@partner.onmicrosoft.com", operationDate: undefined }),
      ];
      const server = await startLoopbackServer((_req, res) => answerJson(res, collectionPage(page)));
      const attributions = await withServer(server, (client) => attributeDrifts(client, new Map([[id, 700]]), NOW));
      assert.deepEqual(found(attributions.get(id)), {
        by: "newest@partner.onmicrosoft.com",
        at: "2026-04-30T12:00:00.123Z",
        to: 700,
      });
    });

    it("allows a record up to 5 minutes ahead of the local clock, and no further", async () => {
      const id = IDS[0]!;
      const page = [
        record(id, 700, {
          userPrincipalName: "older@partner.onmicrosoft.com",
          operationDate: new Date(NOW - HOUR_MS).toISOString(),
        }),
        record(id, 700, {
          userPrincipalName: "ahead@partner.onmicrosoft.com",
          operationDate: new Date(NOW + SKEW_MS).toISOString(),
        }),
        record(id, 700, {
          userPrincipalName: "beyond@partner.onmicrosoft.com",
          operationDate: new Date(NOW + SKEW_MS + 1000).toISOString(),
        }),
      ];
      const server = await startLoopbackServer((_req, res) => answerJson(res, collectionPage(page)));
      const attributions = await withServer(server, (client) => attributeDrifts(client, new Map([[id, 700]]), NOW));
      assert.equal(found(attributions.get(id))?.by, "ahead@partner.onmicrosoft.com");
    });

    it("a reason quoting the service's error text is fit text too: no bidirectional overrides, bounded", async () => {
      const description = `Denied \u202Etxt.exe\u202C ${"y".repeat(10_000)}`;
      const server = await startLoopbackServer((_req, res) => answerJson(res, { code: 400, description }, 400));
      const attributions = await withServer(server, (client) => attributeDrifts(client, new Map([[IDS[0]!, 1]]), NOW));
      const attribution = attributions.get(IDS[0]!)!;
      assert.ok(!attribution.found);
      assert.match(attribution.reason, /^the activity log could not be read: Partner Center answered HTTP 400/);
      assert.ok(!/[\u202a-\u202e]/.test(attribution.reason), JSON.stringify(attribution.reason.slice(0, 120)));
      assert.ok([...attribution.reason].length < 550, `${[...attribution.reason].length} characters`);
    });

    it('an object key "__proto__" is an ordinary key: it neither supplies an amount or a record\'s fields nor pollutes Object.prototype', async () => {
      const forged = JSON.stringify(record(IDS[0]!, 5, { userPrincipalName: "proto@partner.onmicrosoft.com" }));
      const server = await startLoopbackServer((req, res) => {
        if (req.url!.includes("/usagebudget"))
          answerJson(res, '{"__proto__": {"amount": 5}, "attributes": {"objectType": "SpendingBudget"}}');
        else answerJson(res, `{"items": [{"__proto__": ${forged}}], "links": {}}`);
      });
      await withServer(server, async (client) => {
        assert.deepEqual(await client.getBudget(IDS[0]!, client.startOperation()), { amount: null });
        const attributions = await attributeDrifts(client, new Map([[IDS[0]!, 5]]), NOW);
        assert.equal(attributions.get(IDS[0]!)?.found, false);
      });
      assert.equal(({} as { amount?: unknown }).amount, undefined);
      assert.equal(({} as { customerId?: unknown }).customerId, undefined);
    });
  });
});

describe("hardening (issue 22): following a collection's continuation links", function () {
  this.timeout(60_000);

  it("sends back only the continuation token: a second Authorization, a Host or any other header a page names is not sent", async () => {
    const server = await startLoopbackServer((req, res) => {
      if (req.url!.includes("seekOperation=Next")) return answerJson(res, collectionPage([]));
      answerJson(
        res,
        collectionPage([], {
          uri: "/v1/auditrecords?seekOperation=Next",
          headers: [
            { key: "Authorization", value: "Bearer stolen-elsewhere" },
            { key: "ms-continuationtoken", value: "page-2-token" },
            { key: "X-Forwarded-Host", value: "evil.example" },
            { key: "MS-CorrelationId", value: "00000000-0000-0000-0000-000000000000" },
          ],
        }),
      );
    });
    const pages = await withServer(server, drainAuditLog);
    assert.equal(pages, 2);
    const second = server.received[1]!.headers;
    assert.equal(second.authorization, `Bearer ${TOKEN}`);
    assert.equal(second["ms-continuationtoken"], "page-2-token");
    assert.equal(second["x-forwarded-host"], undefined);
    assert.equal(second["ms-correlationid"], server.received[0]!.headers["ms-correlationid"]);
  });

  it("refuses a continuation token with control characters or longer than 4 KiB, naming the problem", async () => {
    for (const [token, problem] of [
      ["t2\r\nX-Injected: 1", /continuation token has characters a header cannot carry/],
      ["t".repeat(4097), /continuation token is 4097 characters long; the most followed is 4096/],
    ] as const) {
      const server = await startLoopbackServer((_req, res) =>
        answerJson(
          res,
          collectionPage([], {
            uri: "/v1/auditrecords?seekOperation=Next",
            headers: [{ key: "MS-ContinuationToken", value: token }],
          }),
        ),
      );
      await withServer(server, async (client) => {
        await assert.rejects(
          drainAuditLog(client),
          (error: Error) => error instanceof UnusableAnswerError && problem.test(error.message),
        );
        assert.equal(server.received.length, 1, "the next page was not asked for");
      });
    }
  });

  it("refuses a continuation link longer than 16 KiB (a 4 MiB #fragment) instead of keeping it, and treats links that differ only in their fragment as the same page", async () => {
    const long = await startLoopbackServer((_req, res) =>
      answerJson(
        res,
        collectionPage([], { uri: `/v1/auditrecords?seekOperation=Next#${"f".repeat(4 * 1024 * 1024)}` }),
      ),
    );
    await withServer(long, async (client) => {
      await assert.rejects(
        drainAuditLog(client),
        (error: Error) =>
          error instanceof UnusableAnswerError &&
          /continuation link is 4194\d{3} characters long; the most followed is 16384/.test(error.message),
      );
      assert.equal(long.received.length, 1);
    });
    let served = 0;
    // The fragment is never sent, so a new one each time is the same page each time: a loop, stopped at once.
    const fragments = await startLoopbackServer((_req, res) => {
      served += 1;
      answerJson(
        res,
        collectionPage(
          [],
          served < 50
            ? {
                uri: `/v1/auditrecords?seekOperation=Next#${served}`,
                headers: [{ key: "MS-ContinuationToken", value: "same" }],
              }
            : undefined,
        ),
      );
    });
    await withServer(fragments, async (client) => {
      await assert.rejects(
        drainAuditLog(client),
        /continuation link repeats an earlier page \(page 2\); stopped instead of looping/,
      );
      assert.equal(fragments.received.length, 2);
    });
  });

  it("keeps a fixed-size digest per page followed, not the link: 800 pages of 10,000-character links leave the heap as it was", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const pages = 800;
    let served = 0;
    const server = await startLoopbackServer((_req, res) => {
      served += 1;
      server.received.length = 0; // the server's own record of requests would hold every link
      const uri = `/v1/auditrecords?seekOperation=Next&page=${served}&pad=${"p".repeat(10_000)}`;
      answerJson(
        res,
        collectionPage(
          [],
          served < pages
            ? { uri, headers: [{ key: "MS-ContinuationToken", value: `${served}-${"t".repeat(2000)}` }] }
            : undefined,
        ),
      );
    });
    const growth = await withServer(server, async (client) => {
      let base = 0;
      let last = 0;
      let count = 0;
      for await (const _page of client.listAuditRecords(client.startOperation(), {})) {
        count += 1;
        if (count === 10 || count === pages) {
          gc();
          const used = process.memoryUsage().heapUsed;
          if (count === 10) base = used;
          else last = used;
        }
      }
      assert.equal(count, pages);
      return last - base;
    });
    // Keeping the links would hold 790 × 12,000 characters (9 MB and more); the digests hold under 100 kB.
    assert.ok(
      growth < 3 * 1024 * 1024,
      `the heap grew by ${(growth / 1024 / 1024).toFixed(1)} MiB over ${pages} pages`,
    );
  });
});
