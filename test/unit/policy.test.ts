import { strict as assert } from "node:assert";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import {
  budgetBelowSpend,
  budgetCleared,
  budgetMaximum,
  budgetMinimum,
  usageBudgetPolicies,
  USAGE_BUDGET_MAP_TYPE,
  USAGE_BUDGET_TYPE,
} from "../../examples/policy/policies";

// The analyzer's own functions (internal, so untyped in @pulumi/policy's declarations).
const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
  deserializeProperties(props: Struct, keepUnknowns: boolean): Record<string, unknown>;
};
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as {
  unknownCheckingProxy<T extends object>(props: T): T;
};

const UNKNOWN = unknownValue;
const CUSTOMER = "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10";

/**
 * Arguments exactly as the policy analyzer builds them for a dynamic resource: the engine's
 * property Struct (with __provider, unknowns as the engine's marker) through @pulumi/policy's own
 * deserializeProperties and unknown-checking proxy.
 */
function argsFor(
  props: Record<string, unknown>,
  config: Record<string, unknown> = {},
  type = USAGE_BUDGET_TYPE,
): ResourceValidationArgs {
  const struct = Struct.fromJavaScript({ __provider: "exports.handler = __f0; ...", ...props } as unknown as Record<
    string,
    never
  >);
  return {
    type,
    props: unknownCheckingProxy(deserializeProperties(struct, false)),
    urn: `urn:pulumi:prod::budgets::partnercenter:index:UsageBudgetSet$${type}::budgets-${CUSTOMER}`,
    name: `budgets-${CUSTOMER}`,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      parent: "urn:pulumi:prod::budgets::partnercenter:index:UsageBudgetSet::budgets",
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: () => {
      throw new Error("not applicable");
    },
  } as ResourceValidationArgs;
}

async function violations(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<string[]> {
  const found: string[] = [];
  const validate = policy.validateResource as (
    a: ResourceValidationArgs,
    report: (message: string) => void,
  ) => void | Promise<void>;
  await validate(args, (message) => found.push(message));
  return found;
}

describe("the usage budget policy pack", () => {
  it("the maximum is mandatory, configurable, and names the resource and the fix", async () => {
    assert.equal(budgetMaximum.enforcementLevel, "mandatory");
    assert.deepEqual(await violations(budgetMaximum, argsFor({ customerId: CUSTOMER, amount: 100_000 })), []);
    const [message] = await violations(budgetMaximum, argsFor({ customerId: CUSTOMER, amount: 500_000 }));
    assert.match(
      message ?? "",
      new RegExp(`budgets-${CUSTOMER} \\(customer ${CUSTOMER}\\): amount 500000 is above the maximum 100000`),
    );
    assert.equal(
      (await violations(budgetMaximum, argsFor({ customerId: CUSTOMER, amount: 500_000 }, { maximum: 1_000_000 })))
        .length,
      0,
    );
  });

  it("the minimum catches likely typos but allows 0 and no budget", async () => {
    assert.equal((await violations(budgetMinimum, argsFor({ customerId: CUSTOMER, amount: 5 }))).length, 1);
    for (const amount of [0, null, 10, 5000])
      assert.deepEqual(await violations(budgetMinimum, argsFor({ customerId: CUSTOMER, amount })), [], String(amount));
    assert.equal(
      (await violations(budgetMinimum, argsFor({ customerId: CUSTOMER, amount: 50 }, { minimum: 100 }))).length,
      1,
    );
  });

  it("advises when a budget is removed or will be cleared on delete", async () => {
    assert.equal(budgetCleared.enforcementLevel, "advisory");
    assert.match(
      (await violations(budgetCleared, argsFor({ customerId: CUSTOMER, amount: null })))[0] ?? "",
      /the budget is removed \(amount null\)/,
    );
    assert.match(
      (await violations(budgetCleared, argsFor({ customerId: CUSTOMER, amount: 10, onDelete: "clear" })))[0] ?? "",
      /onDelete is "clear"/,
    );
    assert.deepEqual(await violations(budgetCleared, argsFor({ customerId: CUSTOMER, amount: 10 })), []);
  });

  it("advises when the declared amount is below the month-to-date spend recorded beside it (the 80 % e-mail would fire at once), and only then", async () => {
    assert.equal(budgetBelowSpend.enforcementLevel, "advisory");
    assert.ok(usageBudgetPolicies.includes(budgetBelowSpend), "in the pack");
    const [message, ...more] = await violations(
      budgetBelowSpend,
      argsFor({ customerId: CUSTOMER, amount: 500, spend: 812.4, currency: "EUR" }),
    );
    assert.deepEqual(more, []);
    assert.match(
      message ?? "",
      new RegExp(
        `budgets-${CUSTOMER} \\(customer ${CUSTOMER}\\): amount 500 is below the month-to-date spend 812.4 EUR \\(as of the last refresh\\): the 80 % e-mail would fire at once`,
      ),
    );
    assert.equal(
      (await violations(budgetBelowSpend, argsFor({ customerId: CUSTOMER, amount: 0, spend: 1 }))).length,
      1,
      "a budget of 0 with any spend",
    );
    assert.doesNotMatch(
      (
        await violations(
          budgetBelowSpend,
          argsFor({ customerId: CUSTOMER, amount: 0, spend: 1, currency: "€\u001b[31m" }),
        )
      )[0] ?? "",
      /€|\u001b/,
      "a currency that is not an ISO code is left out",
    );
    for (const props of [
      { amount: 812.4, spend: 812.4 },
      { amount: 1000, spend: 812.4 },
      { amount: null, spend: 812.4 },
      { amount: 500 },
      { amount: 500, spend: "812.4" },
    ]) {
      assert.deepEqual(
        await violations(budgetBelowSpend, argsFor({ customerId: CUSTOMER, ...props })),
        [],
        JSON.stringify(props),
      );
    }
    await assert.rejects(
      violations(budgetBelowSpend, argsFor({ customerId: CUSTOMER, amount: UNKNOWN, spend: 10 })),
      (error: Error) => error.constructor.name === "UnknownValueError",
      "an amount not known yet is skipped, not passed",
    );
  });

  it("checks every customer of a UsageBudgetMap (asOneResource), each finding naming the map and the customer", async () => {
    const OTHER = "3f9d2b8e-7a41-4c0d-8e6f-1b2a3c4d5e6f";
    const FINE = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d";
    const map = (budgets: Record<string, unknown>) => argsFor({ budgets }, {}, USAGE_BUDGET_MAP_TYPE);
    const budgets = {
      [CUSTOMER]: { amount: 500_000, onDelete: "retain" },
      [OTHER]: { amount: 5, onDelete: "clear" },
      [FINE]: { amount: 1000, onDelete: "retain" },
    };
    assert.deepEqual(
      (await violations(budgetMaximum, map(budgets))).map((message) => message.replace(/:.*/, "")),
      [`budgets-${CUSTOMER} (customer ${CUSTOMER})`],
    );
    assert.match(
      (await violations(budgetMinimum, map(budgets)))[0] ?? "",
      new RegExp(`\\(customer ${OTHER}\\): amount 5 is below the minimum`),
    );
    assert.equal((await violations(budgetMinimum, map(budgets))).length, 1);
    assert.match(
      (await violations(budgetCleared, map(budgets))).join("\n"),
      new RegExp(`\\(customer ${OTHER}\\): onDelete is "clear"`),
    );
    assert.deepEqual(await violations(budgetMaximum, map({ [FINE]: { amount: 1000, onDelete: "retain" } })), []);
  });

  it("ignores other resource types", async () => {
    for (const policy of [budgetMaximum, budgetMinimum, budgetCleared, budgetBelowSpend]) {
      assert.deepEqual(
        await violations(
          policy,
          argsFor({ amount: 10_000_000, spend: 20_000_000 }, {}, "pulumi-nodejs:dynamic:Resource"),
        ),
        [],
      );
    }
  });

  it("an amount not known during preview makes the analyzer skip the check (the proxy throws), rather than pass it", async () => {
    await assert.rejects(
      violations(budgetMaximum, argsFor({ customerId: CUSTOMER, amount: UNKNOWN })),
      (error: Error) => error.constructor.name === "UnknownValueError",
    );
  });
});
