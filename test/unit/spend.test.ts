import { strict as assert } from "node:assert";
import { diffUsageBudget } from "../../provider/resource/diff";
import { createUsageBudgetLifecycle } from "../../provider/resource/lifecycle";
import { describeSpendFailure, spendOutputs, storedSpend } from "../../provider/resource/spend";
import { PartnerCenterStatusError, type RequestIdentity } from "../../provider/shared/errors";

const CUSTOMER = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";
const OTHER = "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f";
const REQUEST: RequestIdentity = {
  subject: "usage record list",
  method: "GET",
  path: "/v1/customers/usagerecords",
  requestId: "r",
  correlationId: "c",
};

describe("spend beside a budget", () => {
  it("percentUsed is the spend against the amount given, to the cent, past 100 included; none without spend or a budget above 0", () => {
    assert.deepEqual(spendOutputs({ spend: 812.4, currency: "EUR" }, 1000), {
      spend: 812.4,
      currency: "EUR",
      percentUsed: 81.24,
    });
    assert.deepEqual(spendOutputs({ spend: 95.1 }, 50), { spend: 95.1, percentUsed: 190.2 });
    assert.deepEqual(spendOutputs({ spend: 95.1, currency: "USD" }, null), { spend: 95.1, currency: "USD" });
    assert.deepEqual(spendOutputs({ spend: 95.1 }, 0), { spend: 95.1 });
    assert.deepEqual(spendOutputs({ currency: "USD" }, 100), {});
    assert.deepEqual(spendOutputs(undefined, 100), {});
  });

  it("only well-formed spend is taken from state", () => {
    assert.deepEqual(storedSpend({ spend: 12.5, currency: "EUR", percentUsed: 3 }), { spend: 12.5, currency: "EUR" });
    assert.deepEqual(storedSpend({ spend: 12.5, currency: "euro" }), { spend: 12.5 });
    for (const spend of [-1, "12", Number.NaN, null, undefined])
      assert.equal(storedSpend({ spend }), undefined, String(spend));
    assert.equal(storedSpend(undefined), undefined);
  });

  it("says why spend is unset: app-only, no MFA, or a failure, with what to do", () => {
    assert.match(
      describeSpendFailure(new PartnerCenterStatusError(REQUEST, 403, { code: "403" })),
      /accept App\+User credentials only and refused this one \(HTTP 403, code 403\); to see spend, configure an App\+User credential signed in with MFA \(partnercenter:refreshToken/,
    );
    assert.match(
      describeSpendFailure(new PartnerCenterStatusError(REQUEST, 401, { code: "900421" })),
      /sign-in did not use MFA \(code 900421\); obtain the refresh token again, signing in with MFA/,
    );
    assert.match(
      describeSpendFailure(new Error("socket hang up\u001b[2J")),
      /could not be read \(socket hang up\uFFFD\[2J\)/,
    );
  });

  it("check carries the refreshed spend into the same customer's new inputs, never another customer's; diff never compares it", async () => {
    const lifecycle = createUsageBudgetLifecycle(() => Promise.reject(new Error("check and diff send nothing")));
    const olds = { customerId: CUSTOMER, amount: 1000, onDelete: "retain", spend: 812.4, currency: "EUR" };
    const same = await lifecycle.check(olds, { customerId: CUSTOMER.toUpperCase(), amount: 500 });
    assert.deepEqual(same.inputs, {
      customerId: CUSTOMER,
      amount: 500,
      onDelete: "retain",
      spend: 812.4,
      currency: "EUR",
    });
    const other = await lifecycle.check(olds, { customerId: OTHER, amount: 500 });
    assert.deepEqual(other.inputs, { customerId: OTHER, amount: 500, onDelete: "retain" });
    const fresh = await lifecycle.check({}, { customerId: CUSTOMER, amount: 500, spend: 1 });
    assert.deepEqual(
      fresh.inputs,
      { customerId: CUSTOMER, amount: 500, onDelete: "retain" },
      "a program cannot declare spend",
    );
    assert.deepEqual(
      diffUsageBudget(
        { ...olds, percentUsed: 81.24 },
        { customerId: CUSTOMER, amount: 1000, onDelete: "retain", spend: 2000, currency: "USD" },
      ),
      { changes: false, replaces: [] },
    );
  });
});
