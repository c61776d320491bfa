import { strict as assert } from "node:assert";
import {
  auditAmount,
  isoDateTime,
  parseAuditPage,
  parseBudget,
  parseCustomerPage,
  parseFault,
  parseJsonBody,
} from "../../provider/client/wire/wire";
import { WireFormatError } from "../../provider/shared/errors";

describe("Partner Center response parsing", () => {
  it("reads the documented budget document", () => {
    const body = JSON.stringify({
      amount: 100,
      usageSpendingBudget: 100,
      attributes: { objectType: "SpendingBudget" },
      links: { self: { uri: "/x", method: "GET", headers: [] } },
    });
    assert.deepEqual(parseBudget(body), { amount: 100 });
  });

  it("strips a byte order mark and reads keys in any case", () => {
    assert.deepEqual(parseBudget('\uFEFF{"Amount": 250.5, "Attributes": {"ObjectType": "SpendingBudget"}}'), {
      amount: 250.5,
    });
  });

  it("reads a missing amount as no budget, ignoring the legacy duplicate", () => {
    assert.deepEqual(parseBudget('{"attributes":{"objectType":"SpendingBudget"}}'), { amount: null });
    assert.deepEqual(parseBudget('{"usageSpendingBudget": 70, "attributes":{}}'), { amount: null });
    assert.deepEqual(parseBudget('{"amount": null}'), { amount: null });
  });

  it("accepts an amount sent as a decimal string and ignores unknown fields", () => {
    assert.deepEqual(parseBudget('{"amount": "99.90", "somethingNew": {"x": 1}}'), { amount: 99.9 });
  });

  it("rejects bodies that are not budgets with a WireFormatError", () => {
    assert.throws(() => parseBudget("<html>bad gateway</html>"), WireFormatError);
    assert.throws(() => parseBudget('{ { "amount": 1 } }'), /not JSON/);
    assert.throws(() => parseBudget('{"amount": {"value": 1}}'), /"amount" is not a budget amount/);
    assert.throws(() => parseBudget('{"amount": "a lot"}'), WireFormatError);
  });

  it("reads Partner Center error documents with integer or string codes", () => {
    assert.deepEqual(
      parseFault(
        '{"code": 20002, "description": "no relationship", "data": [], "source": "PartnerCenter"}',
        "application/json",
      ),
      { code: "20002", description: "no relationship" },
    );
    assert.deepEqual(parseFault('\uFEFF{"Code": "60003", "Description": "not found"}', "application/json"), {
      code: "60003",
      description: "not found",
    });
  });

  it("reads the throttling document, HTML and empty bodies", () => {
    assert.deepEqual(
      parseFault('{"statusCode":429,"message":"Rate limit is exceeded. Try again in 57 seconds."}', "application/json"),
      {
        code: undefined,
        description: "Rate limit is exceeded. Try again in 57 seconds.",
      },
    );
    assert.match(
      parseFault("<html><body>502 Bad Gateway</body></html>", "text/html").description ?? "",
      /a text\/html body of \d+ characters/,
    );
    assert.deepEqual(parseFault("", undefined), {});
  });

  it("reads a customer page and its continuation link", () => {
    const page = parseCustomerPage(
      JSON.stringify({
        totalCount: 3,
        items: [{ id: "a", companyProfile: { companyName: "A Inc", domain: "a.example", tenantId: "a" } }, { id: "b" }],
        links: {
          next: {
            uri: "/v1/customers?size=2&seekOperation=Next",
            method: "GET",
            headers: [{ key: "MS-ContinuationToken", value: "t1" }],
          },
        },
        attributes: { objectType: "Collection" },
      }),
    );
    assert.deepEqual(page.customers, [
      { id: "a", companyName: "A Inc", domain: "a.example" },
      { id: "b", companyName: undefined, domain: undefined },
    ]);
    assert.deepEqual(page.next, { uri: "/v1/customers?size=2&seekOperation=Next", continuationToken: "t1" });
    assert.equal(parseCustomerPage('{"items": []}').next, undefined);
  });

  it('reads a "__proto__" key as an ordinary own key at any depth: it sets no prototype, so its fields are not the document\'s', () => {
    assert.deepEqual(parseBudget('{"__proto__": {"amount": 5}}'), { amount: null });
    const parsed = parseJsonBody('{"a": [{"__proto__": {"b": 1}}], "__proto__": {"c": 2}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    assert.deepEqual(Object.keys(parsed), ["a", "__proto__"]);
    const [inner] = parsed.a as Record<string, unknown>[];
    assert.equal(Object.getPrototypeOf(inner), Object.prototype);
    assert.equal((inner as { b?: unknown }).b, undefined);
    const page = parseAuditPage(
      '{"items": [{"__proto__": {"customerId": "x", "operationType": "update_customer_spending_budget"}}]}',
    );
    assert.deepEqual(page.records, [{}]);
    assert.equal(({} as { c?: unknown }).c, undefined);
  });

  it("reads an audit record's amount by the API's rules: a number or a plain decimal string; null or none is no budget; anything else is not a budget", () => {
    const cases: [string | undefined, number | null | undefined][] = [
      ['{"Amount": 500}', 500],
      ['{"amount": "99.90"}', 99.9],
      ['{"AMOUNT": "-5"}', -5],
      ['\uFEFF{"Amount": 0}', 0],
      ['{"Amount": null}', null],
      ['{"Attributes": {"ObjectType": "SpendingBudget"}}', null],
      ['{"Amount": "0x1F4"}', undefined],
      ['{"Amount": ""}', undefined],
      ['{"Amount": " 7"}', undefined],
      ['{"Amount": "1e3"}', undefined],
      ['{"Amount": "Infinity"}', undefined],
      ['{"Amount": "1.5."}', undefined],
      ['{"Amount": ".5"}', undefined],
      [`{"Amount": "${"9".repeat(400)}"}`, undefined],
      ['{"Amount": true}', undefined],
      ['{"Amount": [5]}', undefined],
      ['{"Amount": {"value": 5}}', undefined],
      ['{"Amount": 1e400}', undefined],
      ['[{"Amount": 5}]', undefined],
      ["5", undefined],
      ["not json", undefined],
      ["", undefined],
      [undefined, undefined],
    ];
    for (const [text, amount] of cases) assert.equal(auditAmount(text), amount, String(text).slice(0, 40));
  });

  it("keeps only the continuation token of a next link's headers (its name in any case), and refuses two different ones", () => {
    const link = (headers: { key: string; value: string }[]): string =>
      JSON.stringify({
        items: [],
        links: { next: { uri: "/v1/customers?seekOperation=Next", method: "GET", headers } },
      });
    assert.deepEqual(
      parseCustomerPage(
        link([
          { key: "Authorization", value: "Bearer x" },
          { key: "ms-continuationtoken", value: "t2" },
          { key: "Host", value: "evil.example" },
        ]),
      ).next,
      { uri: "/v1/customers?seekOperation=Next", continuationToken: "t2" },
    );
    assert.deepEqual(parseCustomerPage(link([])).next, { uri: "/v1/customers?seekOperation=Next" });
    assert.deepEqual(
      parseCustomerPage(
        link([
          { key: "MS-ContinuationToken", value: "t2" },
          { key: "MS-CONTINUATIONTOKEN", value: "t2" },
        ]),
      ).next?.continuationToken,
      "t2",
    );
    assert.throws(
      () =>
        parseCustomerPage(
          link([
            { key: "MS-ContinuationToken", value: "t2" },
            { key: "ms-continuationtoken", value: "t3" },
          ]),
        ),
      /links.next names 2 different MS-ContinuationToken values/,
    );
  });

  it("reads an ISO 8601 date-time with a zone, and nothing else: no other format, no local time, no day or hour that does not exist", () => {
    const cases: [string | undefined, string | undefined][] = [
      ["2026-11-20T14:03:11.12Z", "2026-11-20T14:03:11.120Z"],
      ["2026-11-20T14:03:11.1234567Z", "2026-11-20T14:03:11.123Z"],
      ["2026-11-20T14:03:11+01:30", "2026-11-20T12:33:11.000Z"],
      ["2026-11-20T00:30:00-02:00", "2026-11-20T02:30:00.000Z"],
      ["2026-11-20T14:03Z", "2026-11-20T14:03:00.000Z"],
      ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
      ["2026-02-29T00:00:00Z", undefined],
      ["2026-04-31T00:00:00Z", undefined],
      ["2026-13-01T00:00:00Z", undefined],
      ["2026-11-20T24:00:00Z", undefined],
      ["2026-11-20T23:60:00Z", undefined],
      ["2026-11-20T23:59:60Z", undefined],
      ["2026-11-20T14:03:11+24:00", undefined],
      ["2026-11-20T14:03:11", undefined],
      ["2026-11-20", undefined],
      ["Fri, 20 Nov 2026 14:03:11 GMT", undefined],
      ["2026-11-20T14:03:11Z\n", undefined],
      [" 2026-11-20T14:03:11Z", undefined],
      ["+275760-09-13T00:00:00Z", undefined],
      ["", undefined],
      [undefined, undefined],
    ];
    for (const [text, iso] of cases) {
      const time = isoDateTime(text);
      assert.equal(time === undefined ? undefined : new Date(time).toISOString(), iso, String(text));
    }
  });
});
