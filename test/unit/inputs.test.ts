import { strict as assert } from "node:assert";
import { checkInputs, parseInputs, sameAmount, UNKNOWN_VALUE } from "../../provider/budget/inputs";
import { hasCode } from "../../provider/shared/errors";

const GUID = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";

function failuresOf(news: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(checkInputs(news).failures.map((failure) => [failure.property, failure.reason]));
}

describe("UsageBudget input validation", () => {
  it("accepts a GUID in any case and normalises it to lowercase", () => {
    const { inputs, failures } = checkInputs({ customerId: GUID.toUpperCase(), amount: 100 });
    assert.deepEqual(failures, []);
    assert.deepEqual(inputs, { customerId: GUID, amount: 100, onDelete: "retain" });
  });

  it("accepts 0, cents and null as amounts", () => {
    for (const amount of [0, 0.29, 100.5, 1234567.89, null]) {
      assert.deepEqual(checkInputs({ customerId: GUID, amount }).failures, [], `amount ${amount}`);
    }
  });

  const badCustomerIds: [unknown, RegExp][] = [
    [undefined, /customerId is required/],
    ["", /is not a GUID/],
    [" " + GUID, /is not a GUID/],
    [`{${GUID}}`, /is not a GUID/],
    ["../" + GUID.slice(3), /is not a GUID/],
    [GUID.replace("0", "О"), /is not a GUID/], // Cyrillic О
    [42, /must be a string GUID, not 42/],
    [null, /must be a string GUID, not null/],
  ];
  for (const [value, reason] of badCustomerIds) {
    it(`rejects customerId ${JSON.stringify(value) ?? "undefined"} naming the property`, () => {
      assert.match(failuresOf({ customerId: value, amount: 1 }).customerId ?? "", reason);
    });
  }

  const badAmounts: [unknown, RegExp][] = [
    [undefined, /amount is required: set a number of 0 or more, or null for no budget/],
    [-1, /amount -1 is negative/],
    [10.001, /amount 10.001 has more than two decimals/],
    [Number.NaN, /amount must be a number or null, not NaN/],
    [Number.POSITIVE_INFINITY, /not Infinity \(it must be finite\)/],
    [1e15, /larger than the maximum/],
    ["100", /amount must be a number or null, not "100"/],
    [{ value: 1 }, /not a value of type object/],
    [[1], /not an array/],
    [true, /not true/],
  ];
  for (const [value, reason] of badAmounts) {
    it(`rejects amount ${String(value)} naming the problem`, () => {
      assert.match(failuresOf({ customerId: GUID, amount: value }).amount ?? "", reason);
    });
  }

  it("gives one failure per bad property", () => {
    assert.deepEqual(Object.keys(failuresOf({ customerId: "x", amount: -1, onDelete: "drop" })), [
      "customerId",
      "amount",
      "onDelete",
    ]);
  });

  it("passes values not known yet through untouched", () => {
    const { inputs, failures } = checkInputs({
      customerId: UNKNOWN_VALUE,
      amount: UNKNOWN_VALUE,
      onDelete: UNKNOWN_VALUE,
    });
    assert.deepEqual(failures, []);
    assert.deepEqual(inputs, { customerId: UNKNOWN_VALUE, amount: UNKNOWN_VALUE, onDelete: UNKNOWN_VALUE });
  });

  it("drops properties the resource does not know", () => {
    assert.deepEqual(checkInputs({ customerId: GUID, amount: 1, extra: 2 }).inputs, {
      customerId: GUID,
      amount: 1,
      onDelete: "retain",
    });
  });

  it("parseInputs refuses unknown values where they cannot occur", () => {
    assert.throws(
      () => parseInputs({ customerId: GUID, amount: UNKNOWN_VALUE }),
      (error) =>
        hasCode(error, "PC_ERR_INPUT") && /^Invalid UsageBudget inputs: amount is not known yet$/.test(error.message),
    );
  });

  it("compares amounts to the cent, with null only equal to null", () => {
    assert.ok(sameAmount(100, 100.0));
    assert.ok(sameAmount(0.1 + 0.2, 0.3));
    assert.ok(sameAmount(null, undefined));
    assert.ok(!sameAmount(null, 0));
    assert.ok(!sameAmount(100, 100.01));
  });
});
