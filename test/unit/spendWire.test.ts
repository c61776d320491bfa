import { strict as assert } from "node:assert";
import {
  MAX_PERCENT_USED,
  MAX_SPEND,
  parseUsageRecordPage,
  parseUsageSummary,
} from "../../provider/client/wire/spendWire";
import { WireFormatError } from "../../provider/shared/errors";

const CUSTOMER = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";

function page(items: unknown[], next?: unknown): string {
  return JSON.stringify({
    totalCount: items.length,
    items,
    ...(next ? { links: { next } } : {}),
    attributes: { objectType: "Collection" },
  });
}

describe("Partner Center's spend documents, read as untrusted data", () => {
  it("reads the documented usage summary; no budget.amount key is no budget", () => {
    const body = JSON.stringify({
      budget: { amount: 97 },
      billingStartDate: "2026-12-01T00:00:00Z",
      billingEndDate: "2026-12-31T23:59:59Z",
      totalCost: 81.25,
      currencyCode: "eur",
      usdTotalCost: 87.75,
      lastModifiedDate: "2026-12-01T06:00:00Z",
    });
    assert.deepEqual(parseUsageSummary(`\uFEFF${body}`), {
      budget: 97,
      spend: 81.25,
      currency: "EUR",
      usdSpend: 87.75,
      billingStartDate: "2026-12-01T00:00:00Z",
      billingEndDate: "2026-12-31T23:59:59Z",
    });
    for (const budget of [{}, { attributes: {} }, null, { amount: null }])
      assert.equal(parseUsageSummary(JSON.stringify({ budget, totalCost: 1 })).budget, null, JSON.stringify(budget));
    assert.equal(parseUsageSummary(JSON.stringify({ totalCost: 1 })).budget, null, "no budget object at all");
    assert.equal(
      parseUsageSummary(JSON.stringify({ budget: { amount: "a lot" }, totalCost: 1 })).budget,
      undefined,
      "an unreadable amount is unknown, not 'no budget'",
    );
  });

  it("takes the legacy offer's currencyLocale when there is no currencyCode, and only ISO 4217-shaped codes", () => {
    assert.equal(parseUsageSummary(JSON.stringify({ totalCost: 1, currencyLocale: "GBP" })).currency, "GBP");
    assert.equal(
      parseUsageSummary(JSON.stringify({ totalCost: 1, currencyCode: "USD", currencyLocale: "GBP" })).currency,
      "USD",
    );
    for (const bad of ["en-US", "EURO", "€", "US\u202eD", 978, "", null]) {
      assert.equal(
        parseUsageSummary(JSON.stringify({ totalCost: 1, currencyCode: bad })).currency,
        undefined,
        String(bad),
      );
    }
  });

  it("clamps numbers: negative spend to 0, huge to the bound, cents kept; percentUsed may exceed 100 but not the bound; decimal strings read", () => {
    assert.equal(parseUsageSummary(JSON.stringify({ totalCost: -12.5 })).spend, 0);
    assert.equal(parseUsageSummary(JSON.stringify({ totalCost: 1e300 })).spend, MAX_SPEND);
    assert.equal(parseUsageSummary(JSON.stringify({ totalCost: 10.005001 })).spend, 10.01);
    assert.equal(parseUsageSummary(JSON.stringify({ totalCost: "812.40" })).spend, 812.4);
    for (const bad of ["0x1F", "1e3", " 7", {}, [], true])
      assert.equal(parseUsageSummary(JSON.stringify({ totalCost: bad })).spend, undefined, JSON.stringify(bad));
    const [over, wild] = parseUsageRecordPage(
      page([
        { resourceId: CUSTOMER, percentUsed: 180.5 },
        { resourceId: CUSTOMER.toUpperCase(), percentUsed: 1e12 },
      ]),
    ).records;
    assert.equal(over?.percentUsed, 180.5);
    assert.equal(wild?.percentUsed, MAX_PERCENT_USED);
    assert.equal(wild?.customerId, CUSTOMER, "ids lowercased");
  });

  it("leaves out records naming no customer tenant id, and bounds names freed of control characters", () => {
    const name = `Contoso\u001b[31m ${"x".repeat(500)}`;
    const parsed = parseUsageRecordPage(
      page([
        { resourceId: CUSTOMER, resourceName: name, totalCost: 3 },
        { resourceId: "not-a-guid", totalCost: 4 },
        { totalCost: 5 },
        { resourceId: 42 },
      ]),
    );
    assert.equal(parsed.records.length, 1);
    assert.equal(parsed.skipped, 3);
    const companyName = parsed.records[0]?.companyName ?? "";
    assert.doesNotMatch(companyName, /\u001b/);
    assert.ok([...companyName].length < 260, `bounded: ${companyName.length}`);
  });

  it("follows continuation links as the customer list does, and rejects what is not a collection", () => {
    const next = {
      uri: "/v1/customers/usagerecords?seekOperation=Next",
      method: "GET",
      headers: [{ key: "MS-ContinuationToken", value: "abc" }],
    };
    assert.deepEqual(parseUsageRecordPage(page([], next)).next, { uri: next.uri, continuationToken: "abc" });
    assert.equal(parseUsageRecordPage(page([])).next, undefined);
    assert.throws(() => parseUsageRecordPage('{"items": {}}'), WireFormatError);
    assert.throws(() => parseUsageRecordPage("<html></html>"), WireFormatError);
    assert.throws(() => parseUsageSummary("[1, 2]"), WireFormatError);
  });
});
