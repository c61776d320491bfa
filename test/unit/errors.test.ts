import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { AmountMismatchError, BudgetsFileError, ERROR_CODES, type ErrorCode, hasCode, PartnerCenterError, PartnerCenterStatusError, PartnerCenterTransportError, SettingsError, UnreadableFileError, UnusableAnswerError } from "../../provider/shared/errors";
const request = {
  customerId: "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10",
  subject: "usage budget",
  method: "PATCH",
  path: "/v1/customers/0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10/usagebudget",
  requestId: "11111111-1111-4111-8111-111111111111",
  correlationId: "22222222-2222-4222-8222-222222222222",
};

describe("Partner Center errors", () => {
  it("name the customer, method, status, code, description and both ids", () => {
    const error = new PartnerCenterStatusError(request, 403, { code: "20002", description: "Partner does not have a relationship" });
    assert.equal(
      error.message,
      'Partner Center answered HTTP 403, code 20002 to PATCH usage budget of customer 0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10: "Partner does not have a relationship"' +
        " — the partner has no commerce relationship with this customer (or the credential lacks the role): check customerId and the reseller relationship" +
        " (MS-RequestId 11111111-1111-4111-8111-111111111111, MS-CorrelationId 22222222-2222-4222-8222-222222222222)",
    );
    assert.equal(error.code, "PC_ERR_RESPONSE");
    assert.equal(error.status, 403);
    assert.equal(error.serviceCode, "20002");
  });

  it("show the response's request id when the service answered with another", () => {
    const error = new PartnerCenterStatusError(request, 500, {}, "33333333-3333-4333-8333-333333333333");
    assert.match(error.message, /MS-RequestId 11111111-1111-4111-8111-111111111111, answered as 33333333-3333-4333-8333-333333333333/);
    assert.match(error.message, /try again later/);
  });

  it("a transport failure names the endpoint and the network error", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    const error = new PartnerCenterTransportError(request, "http://127.0.0.1:9", cause);
    assert.match(error.message, /PATCH usage budget of customer 0c1f3a27-.* at http:\/\/127.0.0.1:9 got no answer \(ECONNREFUSED: connect ECONNREFUSED/);
    assert.equal(error.cause, cause);
  });
});

describe("the error taxonomy", () => {
  it("every error a user or a program meets is a PartnerCenterError with a stable code, named by its class", () => {
    const identity = { subject: "usage budget", method: "GET", path: "/v1/customers/x/usagebudget", customerId: "x", requestId: "r", correlationId: "c" };
    const errors: [PartnerCenterError, ErrorCode][] = [
      [new PartnerCenterStatusError(identity, 500, {}), "PC_ERR_RESPONSE"],
      [new PartnerCenterTransportError(identity, "https://example.test", new Error("boom")), "PC_ERR_TRANSPORT"],
      [new UnusableAnswerError(identity, "not JSON"), "PC_ERR_UNEXPECTED_BODY"],
      [new AmountMismatchError(identity, 1, 2), "PC_ERR_AMOUNT_MISMATCH"],
      [new SettingsError("Setting x: bad"), "PC_ERR_SETTING"],
      [new BudgetsFileError(["a problem"]), "PC_ERR_BUDGETS_FILE"],
      [new UnreadableFileError("is missing"), "PC_ERR_UNREADABLE_FILE"],
    ];
    for (const [error, code] of errors) {
      assert.ok(error instanceof PartnerCenterError, error.name);
      assert.equal(error.code, code);
      assert.ok(hasCode(error, code));
      assert.equal(error.name, error.constructor.name);
      assert.ok(code in ERROR_CODES);
    }
  });

  it("docs/errors.md lists every code", () => {
    const page = readFileSync(resolve(__dirname, "../../../docs/errors.md"), "utf8");
    for (const code of Object.keys(ERROR_CODES)) assert.match(page, new RegExp(`\`${code}\``), `${code} is not in docs/errors.md`);
  });
});
