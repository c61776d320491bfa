import { strict as assert } from "node:assert";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { resolveSettings } from "../../provider/settings/settings";
import { ProviderHost } from "./providerHost";
import { cleanEnv } from "../support/environment";
import { PROJECT, startStack, USAGE_BUDGET_TYPE, type TestStack } from "./stack";

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
  ["unknown marker in text", `x${unknownValue}`, NOT_A_GUID],
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

describe("bad inputs", () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  it(`${BAD_CUSTOMER_IDS.length + BAD_AMOUNTS.length} bad values each fail in the provider's Check naming the property and the problem; nothing is sent`, async () => {
    assert.ok(BAD_CUSTOMER_IDS.length + BAD_AMOUNTS.length >= 40);
    // The installed package's __provider, as a program registers it.
    await stack.engine.up([stack.budget("valid", { customerId: GUID, amount: 1000 })]);
    const provider = [...(await stack.engine.state()).values()][0]!.inputs.__provider;
    stack.emulator.clearRequests();
    // Check as the engine sends it, once per value: the engine itself stops at the first failure (next test),
    // so the provider's answer to each bad value is asked for directly.
    const host = await ProviderHost.start({
      projectDir: stack.engine.workspace.workDir,
      project: PROJECT,
      env: cleanEnv(),
    });
    try {
      await host.configure({
        "partnercenter:endpoint": { value: stack.emulator.endpoint },
        "partnercenter:accessToken": { value: stack.emulator.accessToken, secret: true },
      });
      const check = (name: string, inputs: Record<string, unknown>) =>
        host.check(
          `urn:pulumi:dev::budgets-under-test::${USAGE_BUDGET_TYPE}::${name}`,
          {},
          { ...inputs, __provider: provider },
        );
      for (const [label, customerId, reason] of BAD_CUSTOMER_IDS) {
        const { failures } = await check("customer", { customerId, amount: 100 });
        assert.deepEqual(
          failures.map((failure) => failure.property),
          ["customerId"],
          label,
        );
        assert.match(failures[0]!.reason, reason, label);
      }
      for (const [label, amount, reason] of BAD_AMOUNTS) {
        const { failures } = await check("amount", { customerId: GUID, amount });
        assert.deepEqual(
          failures.map((failure) => failure.property),
          ["amount"],
          label,
        );
        assert.match(failures[0]!.reason, reason, label);
      }
    } finally {
      await host.stop();
    }
    assert.equal(stack.emulator.requests.length, 0);
  });

  it("in a program with many bad values, the first Check failure aborts the preview and the up: one error, naming the property", async () => {
    const program = [
      ...BAD_CUSTOMER_IDS.filter(([, value]) => value !== undefined).map(([, customerId], i) =>
        stack.budget(`customer-${i}`, { customerId, amount: 100 }),
      ),
      // A customer of its own each: one customer declared twice would fail the program before any Check.
      ...BAD_AMOUNTS.filter(([, value]) => value !== undefined).map(([, amount], i) =>
        stack.budget(`amount-${i}`, { customerId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, amount }),
      ),
    ];
    for (const command of [() => stack.engine.preview(program), () => stack.engine.up(program)]) {
      const result = await command();
      assert.equal(result.result.exitCode, 1);
      const failed = result.steps.filter((step) => step.op === "failed");
      assert.equal(failed.length, 1, JSON.stringify(result.steps.slice(0, 5)));
      assert.match(
        failed[0]!.error!,
        /resource '(customer|amount)-\d+': property (customerId|amount) value \{.*\} has a problem: /s,
      );
      assert.ok(
        result.steps.every((step) => step.op === "failed"),
        "no step ran after the failure",
      );
      assert.doesNotMatch(
        result.result.output,
        /failed to deliver log message|Channel has been shut down/,
        "no noise after the engine stops",
      );
    }
    assert.equal(stack.emulator.requests.length, 0);
    assert.equal((await stack.engine.state()).size, 1, "only the budget of the previous test");
  });
});

/** Bad settings, where they come from, and the reason each must be rejected with. */
const BAD_SETTINGS: [string, string, RegExp][] = [
  ["partnercenter:endpoint", "not a url", /stack config partnercenter:endpoint: "not a url" is not a URL/],
  ["partnercenter:endpoint", "ftp://pc.example.com", /is not an http\(s\) URL/],
  ["partnercenter:endpoint", "http://pc.example.com", /plain http to a host that is not loopback; use https/],
  ["partnercenter:endpoint", "http://10.0.0.5:8787", /plain http to a host that is not loopback/],
  [
    "partnercenter:endpoint",
    "https://user:pw@pc.example.com",
    /"https:\/\/\*\*\*@pc.example.com" must be the API's base URL only, with no path, credentials/,
  ],
  ["partnercenter:endpoint", "https://pc.example.com/?tenant=1", /must be the API's base URL only/],
  ["partnercenter:endpoint", "https://pc.example.com/v1", /must be the API's base URL only, with no path/],
  ["partnercenter:endpoint", "https://pc.example.com/?", /must be the API's base URL only/],
  ["partnercenter:endpoint", "https://pc.example.com/#", /must be the API's base URL only/],
  [
    "partnercenter:maxRetries",
    "-1",
    /partnercenter:maxRetries: "-1" is not a whole number from 0 to 20 \(retries of a failed request\); the default is 5/,
  ],
  ["partnercenter:maxRetries", "1.5", /is not a whole number from 0 to 20/],
  ["partnercenter:maxRetries", "many", /"many" is not a whole number/],
  ["partnercenter:maxRetries", "21", /is not a whole number from 0 to 20/],
  ["partnercenter:timeoutSeconds", "0", /partnercenter:timeoutSeconds: "0" is not a number from 1 to 3600/],
  ["partnercenter:timeoutSeconds", "-30", /is not a number from 1 to 3600/],
  [
    "partnercenter:requestTimeoutSeconds",
    "0",
    /partnercenter:requestTimeoutSeconds: "0" is not a number from 1 to 600/,
  ],
  [
    "partnercenter:maxConcurrency",
    "0",
    /partnercenter:maxConcurrency: "0" is not a whole number from 1 to 256 \(requests in flight at once\)/,
  ],
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
    assert.throws(
      () => resolveSettings({ get: () => undefined }, { PARTNERCENTER_MAX_CONCURRENCY: "0" }),
      /environment variable PARTNERCENTER_MAX_CONCURRENCY: "0" is not a whole number/,
    );
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
      assert.equal(up.result.exitCode, 1);
      assert.match(
        up.errors[0] ?? "",
        /stack config partnercenter:maxConcurrency: "0" is not a whole number from 1 to 256/,
      );
      assert.equal(stack.emulator.requests.length, 0);
    } finally {
      await stack.stop();
    }
  });
});
