import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as errorModule from "../../provider/shared/errors";
import {
  AmountMismatchError,
  BodyTooLargeError,
  BudgetsFileError,
  BudgetsSliceError,
  ConcurrentEditError,
  CredentialError,
  DuplicateCustomerError,
  EntraUnreachableError,
  ERROR_CODES,
  hasCode,
  InvalidInputsError,
  PartialBudgetMapError,
  PartnerCenterError,
  PartnerCenterStatusError,
  PartnerCenterTransportError,
  PauseBeyondDeadlineError,
  SettingsError,
  SpendUnavailableError,
  StoppedForEveryCustomerError,
  StoredStateError,
  UnreadableFileError,
  UnusableAnswerError,
  UsageError,
  WireFormatError,
  type ErrorCode,
} from "../../provider/shared/errors";

const ROOT = resolve(__dirname, "../../..");

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
    const error = new PartnerCenterStatusError(request, 403, {
      code: "20002",
      description: "Partner does not have a relationship",
    });
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
    assert.match(
      error.message,
      /MS-RequestId 11111111-1111-4111-8111-111111111111, answered as 33333333-3333-4333-8333-333333333333/,
    );
    assert.match(error.message, /try again later/);
  });

  it("a transport failure names the endpoint and the network error", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    const error = new PartnerCenterTransportError(request, "http://127.0.0.1:9", cause);
    assert.match(
      error.message,
      /PATCH usage budget of customer 0c1f3a27-.* at http:\/\/127.0.0.1:9 got no answer \(ECONNREFUSED: connect ECONNREFUSED/,
    );
    assert.equal(error.cause, cause);
  });
});

/**
 * One instance of every error class shared/errors.ts exports, built from sample arguments. A class missing here, or
 * here and not there, fails the first test below; the code each instance carries is what the others check.
 */
const SAMPLES: Record<string, () => PartnerCenterError> = {
  PartnerCenterStatusError: () => new PartnerCenterStatusError(request, 500, {}),
  PartnerCenterTransportError: () =>
    new PartnerCenterTransportError(request, "https://example.test", new Error("boom")),
  UnusableAnswerError: () => new UnusableAnswerError(request, "the body is not JSON"),
  BodyTooLargeError: () => new BodyTooLargeError(request, "the answer's body is larger than 8 bytes; it was not read"),
  PauseBeyondDeadlineError: () =>
    new PauseBeyondDeadlineError(request, "Partner Center's rate limit holds requests past this operation's deadline"),
  AmountMismatchError: () => new AmountMismatchError(request, 1, 2),
  WireFormatError: () => new WireFormatError("the body is not JSON"),
  CredentialError: () => new CredentialError("Microsoft Entra ID refused the client secret"),
  EntraUnreachableError: () => new EntraUnreachableError("could not reach Microsoft Entra ID"),
  UnreadableFileError: () => new UnreadableFileError("is missing"),
  SettingsError: () => new SettingsError("Setting x: bad"),
  BudgetsFileError: () => new BudgetsFileError(["a problem"]),
  BudgetsSliceError: () => new BudgetsSliceError("shard.count 0 is not a whole number from 1 to 1024"),
  InvalidInputsError: () => new InvalidInputsError("UsageBudget", ["amount is not known yet"]),
  StoredStateError: () => new StoredStateError('UsageBudget "x": the stored customer id is not a GUID'),
  DuplicateCustomerError: () => new DuplicateCustomerError("customer x is declared by 2 resources: a, b"),
  PartialBudgetMapError: () =>
    new PartialBudgetMapError(
      "could not set the budgets of 1 of 2 customers",
      ["could not set the budgets of 1 of 2 customers"],
      { id: "map", properties: {} },
    ),
  UsageError: () => new UsageError("unknown option --x"),
  StoppedForEveryCustomerError: () =>
    new StoppedForEveryCustomerError("stopped: the credential was refused", new Error("HTTP 401")),
  SpendUnavailableError: () => new SpendUnavailableError("report: month-to-date spend could not be read"),
  ConcurrentEditError: () => new ConcurrentEditError("budgets.yaml changed while export read Partner Center"),
};

/** The error classes shared/errors.ts exports, by name. */
const CLASSES = new Map(
  Object.entries(errorModule).filter(
    (entry): entry is [string, typeof PartnerCenterError] =>
      typeof entry[1] === "function" && entry[1].prototype instanceof PartnerCenterError,
  ),
);

describe("the error taxonomy: every code in shared/errors.ts, one class each", () => {
  it("the samples build every error class the module exports", () => {
    assert.deepEqual(Object.keys(SAMPLES).sort(), [...CLASSES.keys()].sort());
  });

  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    it(`${code}: exactly one class carries it, named by its class, and hasCode knows it`, () => {
      const carriers = Object.entries(SAMPLES).filter(([, sample]) => sample().code === code);
      assert.deepEqual(
        carriers.length,
        1,
        `classes whose instances carry ${code}: ${carriers.map(([name]) => name).join(", ") || "none"}`,
      );
      const [name, sample] = carriers[0]!;
      const error = sample();
      assert.equal(error.constructor, CLASSES.get(name), `${name} is built by its sample`);
      assert.equal(error.name, name);
      assert.ok(String(error).startsWith(`${name}: `), String(error));
      assert.ok(hasCode(error, code));
      for (const other of Object.keys(ERROR_CODES) as ErrorCode[])
        if (other !== code) assert.ok(!hasCode(error, other), `${name} has ${other} too`);
    });
  }

  it("every class carries a code ERROR_CODES lists", () => {
    for (const [name, sample] of Object.entries(SAMPLES))
      assert.ok(sample().code in ERROR_CODES, `${name}: ${sample().code}`);
  });

  it("hasCode is false for a plain Error, a look-alike object and a missing error", () => {
    assert.equal(hasCode(Object.assign(new Error("x"), { code: "PC_ERR_SETTING" }), "PC_ERR_SETTING"), false);
    assert.equal(hasCode({ code: "PC_ERR_SETTING", message: "x" }, "PC_ERR_SETTING"), false);
    assert.equal(hasCode(undefined, "PC_ERR_SETTING"), false);
  });

  it("an answer too large, and a pause past the deadline, are answers that could not be used, each with its own code", () => {
    for (const name of ["BodyTooLargeError", "PauseBeyondDeadlineError"]) {
      const error = SAMPLES[name]!();
      assert.ok(error instanceof UnusableAnswerError, name);
      assert.match(
        error.message,
        /^Partner Center's answer to PATCH usage budget of customer 0c1f3a27-.* could not be used: .* \(MS-RequestId 1{8}-/,
      );
    }
  });

  it("docs/errors.md lists every code, with its class", () => {
    const page = readFileSync(join(ROOT, "docs/errors.md"), "utf8");
    for (const code of Object.keys(ERROR_CODES)) {
      const name = Object.entries(SAMPLES).find(([, sample]) => sample().code === code)?.[0];
      assert.match(
        page,
        new RegExp(`^\\| \`${code}\` \\| \`${name}\``, "m"),
        `docs/errors.md has no row for ${code} (${name})`,
      );
    }
  });

  it("no module but shared/errors.ts defines an error with a code", () => {
    const sources = readdirSync(join(ROOT, "provider"), { recursive: true, encoding: "utf8" }).filter(
      (path) => path.endsWith(".ts") && path !== join("shared", "errors.ts"),
    );
    const defining = sources.filter((path) =>
      /extends (PartnerCenterError|UnusableAnswerError)\b|super\("PC_ERR_/.test(
        readFileSync(join(ROOT, "provider", path), "utf8"),
      ),
    );
    assert.deepEqual(defining, []);
  });
});
