import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { DEMO_CUSTOMERS, generateCustomers, PartnerCenterEmulator } from "pulumi-partnercenter/emulator";

const [CONTOSO, FABRIKAM, , TAILSPIN] = DEMO_CUSTOMERS.map((customer) => customer.id) as [
  string,
  string,
  string,
  string,
];

async function call(
  emulator: PartnerCenterEmulator,
  method: "GET" | "PATCH" | "DELETE",
  path: string,
  options: { body?: string; token?: string | null; headers?: Record<string, string> } = {},
) {
  const token = options.token === undefined ? emulator.accessToken : options.token;
  const response = await request(`${emulator.endpoint}${path}`, {
    method,
    body: options.body,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...options.headers },
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    json: text ? (JSON.parse(text.replace(/^\uFEFF/, "")) as Record<string, unknown>) : undefined,
  };
}

describe("the Partner Center emulator", () => {
  let emulator: PartnerCenterEmulator;
  beforeEach(async () => {
    emulator = await PartnerCenterEmulator.start();
  });
  afterEach(() => emulator.stop());

  it("requires a bearer token: 401 with WWW-Authenticate and code 800001", async () => {
    const missing = await call(emulator, "GET", `/v1/customers/${CONTOSO}/usagebudget`, { token: null });
    assert.equal(missing.status, 401);
    assert.match(String(missing.headers["www-authenticate"]), /^Bearer /);
    assert.equal(missing.json?.code, 800001);
    const wrong = await call(emulator, "GET", `/v1/customers/${CONTOSO}/usagebudget`, { token: "not-the-token" });
    assert.equal(wrong.status, 401);
  });

  it("serves a budget, and a customer without one has no amount at all", async () => {
    const contoso = await call(emulator, "GET", `/v1/customers/${CONTOSO.toUpperCase()}/usagebudget`);
    assert.equal(contoso.status, 200);
    assert.equal(contoso.json?.amount, 1000);
    assert.equal(contoso.json?.usageSpendingBudget, 1000);
    const fabrikam = await call(emulator, "GET", `/v1/customers/${FABRIKAM}/usagebudget`);
    assert.ok(!("amount" in (fabrikam.json ?? {})));
    assert.deepEqual(fabrikam.json?.attributes, { objectType: "SpendingBudget" });
  });

  it("reads PATCH keys in any case, and a null amount clears the budget", async () => {
    const lower = await call(emulator, "PATCH", `/v1/customers/${CONTOSO}/usagebudget`, { body: '{"amount":3000}' });
    assert.equal(lower.json?.amount, 3000);
    assert.equal(emulator.budgetOf(CONTOSO), 3000);
    const cleared = await call(emulator, "PATCH", `/v1/customers/${CONTOSO}/usagebudget`, {
      body: '{"AMOUNT":null,"Attributes":{"ObjectType":"SpendingBudget"}}',
    });
    assert.equal(cleared.status, 200);
    assert.ok(!("amount" in (cleared.json ?? {})));
    assert.equal(emulator.budgetOf(CONTOSO), null);
  });

  it("answers the service's errors: 404/60003, 403/20002, 400/900118, 400/800002, 405", async () => {
    const cases: [string, "GET" | "PATCH" | "DELETE", string | undefined, number, number][] = [
      [`/v1/customers/${"1".repeat(8)}-1111-4111-8111-111111111111/usagebudget`, "GET", undefined, 404, 60003],
      [`/v1/customers/${TAILSPIN}/usagebudget`, "GET", undefined, 403, 20002],
      ["/v1/customers/not-a-guid/usagebudget", "GET", undefined, 400, 900118],
      [`/v1/customers/${CONTOSO}/usagebudget`, "PATCH", "{not json", 400, 800002],
      [`/v1/customers/${CONTOSO}/usagebudget`, "PATCH", '{"Amount": -3}', 400, 800002],
      [`/v1/customers/${CONTOSO}/usagebudget`, "PATCH", '{"Attributes": {}}', 400, 800002],
      [`/v1/customers/${CONTOSO}/usagebudget`, "DELETE", undefined, 405, 405],
    ];
    for (const [path, method, body, status, code] of cases) {
      const response = await call(emulator, method, path, { body });
      assert.equal(response.status, status, `${method} ${path} ${body}`);
      assert.equal(response.json?.code, code, `${method} ${path} ${body}`);
      assert.equal(typeof response.json?.description, "string");
    }
    assert.equal(emulator.budgetOf(CONTOSO), 1000, "failed PATCHes change nothing");
  });

  it("echoes MS-RequestId and MS-CorrelationId and records every request", async () => {
    const response = await call(emulator, "GET", `/v1/customers/${CONTOSO}/usagebudget`, {
      headers: { "MS-RequestId": "r-1", "MS-CorrelationId": "c-1" },
    });
    assert.equal(response.headers["ms-requestid"], "r-1");
    assert.equal(response.headers["ms-correlationid"], "c-1");
    assert.deepEqual(
      emulator.requests.map((r) => [r.method, r.path, r.status, r.headers["ms-requestid"]]),
      [["GET", `/v1/customers/${CONTOSO}/usagebudget`, 200, "r-1"]],
    );
  });

  it("pages the customer list with continuation tokens, leaving out customers without relationship", async () => {
    const seen: string[] = [];
    let next: { uri: string; token?: string } | undefined = { uri: "/v1/customers?size=3" };
    for (let page = 0; next && page < 10; page++) {
      const response = await call(emulator, "GET", next.uri, {
        headers: next.token ? { "MS-ContinuationToken": next.token } : {},
      });
      const body = response.json as {
        totalCount: number;
        items: { id: string }[];
        links: { next?: { uri: string; headers: { key: string; value: string }[] } };
      };
      assert.equal(body.totalCount, 3);
      seen.push(...body.items.map((item) => item.id));
      next = body.links.next && { uri: body.links.next.uri, token: body.links.next.headers[0]?.value };
    }
    assert.deepEqual(
      seen,
      DEMO_CUSTOMERS.filter((c) => c.relationship).map((c) => c.id),
    );
    const badToken = await call(emulator, "GET", "/v1/customers?size=3&seekOperation=Next", {
      headers: { "MS-ContinuationToken": "!!" },
    });
    assert.equal(badToken.status, 400);
  });
});

describe("emulator options", () => {
  it("prefixes bodies with a byte order mark when asked", async () => {
    const emulator = await PartnerCenterEmulator.start({ byteOrderMark: true });
    try {
      // Raw bytes: undici's body.text() would strip the mark itself.
      const response = await request(`${emulator.endpoint}/v1/customers/${CONTOSO}/usagebudget`, {
        headers: { authorization: `Bearer ${emulator.accessToken}` },
      });
      const bytes = Buffer.from(await response.body.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 4)], [0xef, 0xbb, 0xbf, 0x7b]);
    } finally {
      await emulator.stop();
    }
  });

  it("keeps its state in a JSON file across restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pc-emulator-"));
    const statePath = join(dir, "state.json");
    try {
      const first = await PartnerCenterEmulator.start({ statePath, customers: generateCustomers(5) });
      const [customer] = first.customers();
      await call(first, "PATCH", `/v1/customers/${customer!.id}/usagebudget`, { body: '{"Amount": 4242}' });
      await first.stop();
      assert.match(readFileSync(statePath, "utf8"), /4242/);
      const second = await PartnerCenterEmulator.start({ statePath, customers: [] });
      try {
        assert.equal(second.budgetOf(customer!.id), 4242);
        assert.equal(second.customers().length, 5);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
