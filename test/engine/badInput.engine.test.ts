import { strict as assert } from "node:assert";
import { resolveSettings } from "../../provider/settings";
import { startStack, type TestStack } from "./stack";

const GUID = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";
const NOT_A_GUID = /is not a GUID/;
const NOT_A_STRING = /customerId must be a string GUID, not/;

/** Bad customer ids and the reason each must be rejected with. */
const BAD_CUSTOMER_IDS: [string, unknown, RegExp][] = [
  ["missing", undefined, /customerId is required/],
  ["null", null, NOT_A_STRING],
  ["number", 42, NOT_A_STRING],
  ["boolean", true, NOT_A_STRING],
  ["object", { id: GUID }, NOT_A_STRING],
  ["array", [GUID], NOT_A_STRING],
  ["empty", "", NOT_A_GUID],
  ["space", " ", NOT_A_GUID],
  ["tab and newline", "\t\n", NOT_A_GUID],
  ["leading space", ` ${GUID}`, NOT_A_GUID],
  ["trailing newline", `${GUID}\n`, NOT_A_GUID],
  ["braces", `{${GUID}}`, NOT_A_GUID],
  ["parentheses", `(${GUID})`, NOT_A_GUID],
  ["urn prefix", `urn:uuid:${GUID}`, NOT_A_GUID],
  ["no dashes", GUID.replace(/-/g, ""), NOT_A_GUID],
  ["too short", GUID.slice(0, 35), NOT_A_GUID],
  ["too long", `${GUID}0`, NOT_A_GUID],
  ["non-hex letter", GUID.replace("c", "g"), NOT_A_GUID],
  ["path traversal", `../${GUID.slice(3)}`, NOT_A_GUID],
  ["encoded slash", `${GUID.slice(0, 33)}%2F`, NOT_A_GUID],
  ["query", `${GUID.slice(0, 35)}?`, NOT_A_GUID],
  ["fragment", `${GUID.slice(0, 35)}#`, NOT_A_GUID],
  ["Cyrillic look-alike", GUID.replace("a", "а"), NOT_A_GUID],
  ["fullwidth digit", GUID.replace("0", "０"), NOT_A_GUID],
  ["zero-width space", GUID.replace("-", "-\u200b"), NOT_A_GUID],
  ["unknown marker in text", `x${"04da6b54-80e4-46f7-96ec-b56ff0331ba9"}`, NOT_A_GUID],
];

/** Bad amounts and the reason each must be rejected with. */
const BAD_AMOUNTS: [string, unknown, RegExp][] = [
  ["missing", undefined, /amount is required: set a number of 0 or more, or null for no budget/],
  ["NaN", Number.NaN, /amount must be a number or null, not NaN \(it must be finite\)/],
  ["+Infinity", Number.POSITIVE_INFINITY, /not Infinity \(it must be finite\)/],
  ["-Infinity", Number.NEGATIVE_INFINITY, /not -Infinity \(it must be finite\)/],
  ["negative", -1, /amount -1 is negative/],
  ["negative cents", -0.01, /amount -0.01 is negative/],
  ["three decimals", 10.001, /amount 10.001 has more than two decimals/],
  ["a tenth of a cent", 0.001, /has more than two decimals/],
  ["tiny", 1e-7, /has more than two decimals/],
  ["absurdly large", 1e15, /larger than the maximum 999999999999.99/],
  ["largest double", Number.MAX_VALUE, /larger than the maximum/],
  ["number as string", "100", /amount must be a number or null, not "100"/],
  ["decimal as string", "100.00", /not "100.00"/],
  ["empty string", "", /not ""/],
  ["whitespace string", "  ", /not "  "/],
  ["word", "unlimited", /not "unlimited"/],
  ["true", true, /not true/],
  ["false", false, /not false/],
  ["empty object", {}, /not a value of type object/],
  ["object", { value: 100 }, /not a value of type object/],
  ["array", [100], /not an array/],
  ["empty array", [], /not an array/],
];

describe("bad inputs through the provider host", () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  it(`${BAD_CUSTOMER_IDS.length + BAD_AMOUNTS.length} bad values each fail in check naming the property and the problem; nothing is sent`, async () => {
    assert.ok(BAD_CUSTOMER_IDS.length + BAD_AMOUNTS.length >= 40);
    const program = [
      ...BAD_CUSTOMER_IDS.map(([label, customerId], i) => stack.budget(`customer-${i}`, { customerId, amount: 100, label })),
      ...BAD_AMOUNTS.map(([label, amount], i) => stack.budget(`amount-${i}`, { customerId: GUID, amount, label })),
    ];
    for (const command of [() => stack.engine.preview(program), () => stack.engine.up(program)]) {
      const result = await command();
      const errors = new Map(result.steps.map((step) => [step.name, step.error ?? ""]));
      BAD_CUSTOMER_IDS.forEach(([label, , reason], i) => {
        const error = errors.get(`customer-${i}`) ?? "";
        assert.match(error, /property customerId: /, label);
        assert.match(error, reason, `${label}: ${error}`);
        assert.doesNotMatch(error, /property amount/, label);
      });
      BAD_AMOUNTS.forEach(([label, , reason], i) => {
        const error = errors.get(`amount-${i}`) ?? "";
        assert.match(error, /property amount: /, label);
        assert.match(error, reason, `${label}: ${error}`);
      });
    }
    assert.equal(stack.emulator.requests.length, 0);
    assert.equal(stack.engine.state.size, 0);
  });
});

/** Bad settings, where they come from, and the reason each must be rejected with. */
const BAD_SETTINGS: [string, string, RegExp][] = [
  ["partnercenter:endpoint", "not a url", /stack config partnercenter:endpoint: "not a url" is not a URL/],
  ["partnercenter:endpoint", "ftp://pc.example.com", /is not an http\(s\) URL/],
  ["partnercenter:endpoint", "http://pc.example.com", /plain http to a host that is not loopback; use https/],
  ["partnercenter:endpoint", "http://10.0.0.5:8787", /plain http to a host that is not loopback/],
  ["partnercenter:endpoint", "https://user:pw@pc.example.com", /must not carry credentials, a query or a fragment/],
  ["partnercenter:endpoint", "https://pc.example.com/?tenant=1", /must not carry credentials, a query or a fragment/],
  ["partnercenter:maxRetries", "-1", /partnercenter:maxRetries: "-1" is not a whole number from 0 to 20 \(retries of a failed request\); the default is 5/],
  ["partnercenter:maxRetries", "1.5", /is not a whole number from 0 to 20/],
  ["partnercenter:maxRetries", "many", /"many" is not a whole number/],
  ["partnercenter:maxRetries", "21", /is not a whole number from 0 to 20/],
  ["partnercenter:timeoutSeconds", "0", /partnercenter:timeoutSeconds: "0" is not a number from 1 to 3600/],
  ["partnercenter:timeoutSeconds", "-30", /is not a number from 1 to 3600/],
  ["partnercenter:requestTimeoutSeconds", "0", /partnercenter:requestTimeoutSeconds: "0" is not a number from 1 to 600/],
  ["partnercenter:maxConcurrency", "0", /partnercenter:maxConcurrency: "0" is not a whole number from 1 to 256 \(requests in flight at once\)/],
  ["partnercenter:maxConcurrency", "-4", /is not a whole number from 1 to 256/],
  ["partnercenter:maxConcurrency", "2.5", /is not a whole number from 1 to 256/],
  ["partnercenter:maxConcurrency", "100000", /is not a whole number from 1 to 256/],
  ["partnercenter:accessToken", "Bearer abc", /partnercenter:accessToken: the access token contains white space/],
];

describe("bad settings", () => {
  for (const [key, value, reason] of BAD_SETTINGS) {
    it(`${key} = ${JSON.stringify(value)} is refused naming the setting`, () => {
      assert.throws(() => resolveSettings({ get: (k) => (k === key ? value : undefined) }, {}), reason);
    });
  }

  it("the same names appear for settings from the environment", () => {
    assert.throws(() => resolveSettings({ get: () => undefined }, { PARTNERCENTER_MAX_CONCURRENCY: "0" }), /environment variable PARTNERCENTER_MAX_CONCURRENCY: "0" is not a whole number/);
  });

  it("through the host, a bad setting fails every operation before any request", async () => {
    const stack = await startStack({
      config: (emulator) => ({
        "partnercenter:endpoint": { value: emulator.endpoint },
        "partnercenter:accessToken": { value: emulator.accessToken, secret: true },
        "partnercenter:maxConcurrency": { value: "0" },
      }),
    });
    try {
      const up = await stack.engine.up([stack.budget("contoso", { customerId: GUID, amount: 5 })]);
      assert.match(up.errors[0] ?? "", /stack config partnercenter:maxConcurrency: "0" is not a whole number from 1 to 256/);
      assert.equal(stack.emulator.requests.length, 0);
    } finally {
      await stack.stop();
    }
  });
});
