import { strict as assert } from "node:assert";
import { DEMO_CUSTOMERS, PartnerCenterEmulator, type AuditRecord } from "pulumi-partnercenter/emulator";

const [CONTOSO, FABRIKAM] = DEMO_CUSTOMERS.map((customer) => customer.id) as [string, string];
const DAY_MS = 24 * 3600_000;

async function get(
  emulator: PartnerCenterEmulator,
  path: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  body: {
    items?: AuditRecord[];
    links?: { next?: { uri: string; headers: { key: string; value: string }[] } };
    description?: string;
  };
}> {
  const response = await fetch(`${emulator.endpoint}${path}`, {
    headers: { authorization: `Bearer ${emulator.accessToken}`, ...headers },
  });
  return { status: response.status, body: (await response.json()) as never };
}

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);
}

describe("the emulator's activity log (audit records)", () => {
  let emulator: PartnerCenterEmulator;
  beforeEach(async () => {
    emulator = await PartnerCenterEmulator.start();
  });
  afterEach(() => emulator.stop());

  it("records a budget change made through the API (by the application) and one made in the portal (by a person), as JSON text of the budget", async () => {
    await fetch(`${emulator.endpoint}/v1/customers/${CONTOSO}/usagebudget`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${emulator.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ Amount: 1500 }),
    });
    emulator.setBudget(FABRIKAM, 300, "jane@partner.onmicrosoft.com");
    const { body } = await get(emulator, "/v1/auditrecords");
    const [portal, api] = body.items!;
    assert.deepEqual(
      {
        customer: api!.customerId,
        who: api!.applicationId,
        upn: api!.userPrincipalName,
        type: api!.operationType,
        old: JSON.parse(api!.resourceOldValue),
        new: JSON.parse(api!.resourceNewValue),
        status: api!.operationStatus,
      },
      {
        customer: CONTOSO,
        who: emulator.applicationId,
        upn: "",
        type: "update_customer_spending_budget",
        old: { Amount: 1000, Attributes: { ObjectType: "SpendingBudget" } },
        new: { Amount: 1500, Attributes: { ObjectType: "SpendingBudget" } },
        status: "succeeded",
      },
    );
    assert.equal(portal!.userPrincipalName, "jane@partner.onmicrosoft.com");
    assert.deepEqual(
      JSON.parse(portal!.resourceOldValue),
      { Attributes: { ObjectType: "SpendingBudget" } },
      "no budget before: no Amount at all",
    );
  });

  it("serves dates (30 days without them), the 90-day rule, the filter, other operation types and continuation pages", async () => {
    emulator.audit.add({
      customerId: CONTOSO,
      operationType: "update_customer_qualification",
      operationDate: new Date(Date.now() - 40 * DAY_MS).toISOString(),
    });
    for (let i = 0; i < 7; i++) emulator.setBudget(i % 2 ? CONTOSO : FABRIKAM, 100 + i, "ops@partner.onmicrosoft.com");
    emulator.audit.add({ customerId: FABRIKAM, operationType: "create_order" });
    assert.equal((await get(emulator, "/v1/auditrecords")).body.items!.length, 8, "the last 30 days by default");
    assert.equal(
      (await get(emulator, `/v1/auditrecords?startDate=${isoDay(-60)}&endDate=${isoDay(0)}`)).body.items!.length,
      9,
    );
    const tooOld = await get(emulator, `/v1/auditrecords?startDate=${isoDay(-100)}`);
    assert.equal(tooOld.status, 400);
    const filter = encodeURIComponent(JSON.stringify({ Field: "CustomerId", Value: CONTOSO, Operator: "equals" }));
    const contoso = (await get(emulator, `/v1/auditrecords?filter=${filter}`)).body.items!;
    assert.ok(contoso.length === 3 && contoso.every((record) => record.customerId === CONTOSO));
    const pages: number[] = [];
    let page = await get(emulator, "/v1/auditrecords?size=3");
    for (let guard = 0; guard < 10; guard++) {
      pages.push(page.body.items!.length);
      const next = page.body.links?.next;
      if (!next) break;
      page = await get(
        emulator,
        next.uri,
        Object.fromEntries(next.headers.map((header) => [header.key, header.value])),
      );
    }
    assert.deepEqual(pages, [3, 3, 2]);
    emulator.audit.forbidden = true;
    assert.equal((await get(emulator, "/v1/auditrecords")).status, 403);
  });
});

describe("the emulator's portal hook over HTTP (for the CLI)", () => {
  it("a PATCH to /_emulator/portal/… changes the budget as a named person would, and the activity log says who", async () => {
    const emulator = await PartnerCenterEmulator.start();
    try {
      const response = await fetch(`${emulator.endpoint}/_emulator/portal/customers/${CONTOSO}/usagebudget`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${emulator.accessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ amount: 4000, user: "jane@partner.onmicrosoft.com" }),
      });
      assert.equal(response.status, 200);
      assert.equal(emulator.budgetOf(CONTOSO), 4000);
      const [record] = emulator.audit.records;
      assert.deepEqual(
        { user: record!.userPrincipalName, app: record!.applicationId, to: JSON.parse(record!.resourceNewValue) },
        {
          user: "jane@partner.onmicrosoft.com",
          app: "Partner Center Web",
          to: { Amount: 4000, Attributes: { ObjectType: "SpendingBudget" } },
        },
      );
      const unauthenticated = await fetch(`${emulator.endpoint}/_emulator/portal/customers/${CONTOSO}/usagebudget`, {
        method: "PATCH",
        body: "{}",
      });
      assert.equal(unauthenticated.status, 401);
    } finally {
      await emulator.stop();
    }
  });
});
