import { strict as assert } from "node:assert";
import { generateCustomers } from "pulumi-partnercenter/emulator";
import { attemptsPerRequest } from "../support/requests";
import type { DeclaredBudget } from "./stack";
import { startStack, type TestStack } from "./stack";

const BUDGETS = 100;
const MAX_RETRIES = 6;
const customers = generateCustomers(BUDGETS);

/** Desired amounts of a phase: distinct per customer and per phase, never what the emulator was seeded with. */
function amountFor(index: number, phase: 1 | 2): number {
  return phase * 100_000 + index + 0.25;
}

function programFor(stack: TestStack, phase: 1 | 2): DeclaredBudget[] {
  return customers.map((customer, index) =>
    stack.budget(`budget-${index}`, { customerId: customer.id, amount: amountFor(index, phase) }),
  );
}

describe("fault soak: 100 budgets created then updated concurrently under faults and a tight rate limit", function () {
  this.timeout(240_000);
  let stack: TestStack;

  before(async () => {
    stack = await startStack({
      emulator: {
        customers,
        faults: {
          seed: 2026,
          latencyMs: { min: 2, max: 15 },
          serverErrorRate: 0.1,
          dropRate: 0.03,
          partnerRateLimit: { perSecond: 100, burst: 10 },
          customerRateLimit: { perSecond: 2, burst: 2 },
        },
      },
      config: (emulator) => ({
        "partnercenter:endpoint": { value: emulator.endpoint },
        "partnercenter:accessToken": { value: emulator.accessToken, secret: true },
        "partnercenter:maxRetries": { value: String(MAX_RETRIES) },
      }),
    });
  });
  after(() => stack.stop());

  it("every operation is applied or fails clearly, state matches Partner Center, no wrong amount is ever sent", async () => {
    const started = Date.now();
    // The preview passes send nothing, so the faults never reach them: the update passes alone.
    const create = await stack.engine.up(programFor(stack, 1));
    const createDone = Date.now();
    const update = await stack.engine.up(programFor(stack, 2));
    const finished = Date.now();

    const failures = [...create.errors, ...update.errors];
    for (const failure of failures) {
      assert.match(failure, /Partner Center|got no answer/, failure);
      assert.match(failure, /MS-RequestId [0-9a-f-]{36}, MS-CorrelationId [0-9a-f-]{36}/, failure);
    }

    // State says exactly what Partner Center has.
    assert.ok((await stack.engine.state()).size >= BUDGETS - failures.length);
    for (const resource of (await stack.engine.state()).values()) {
      assert.equal(stack.emulator.budgetOf(resource.id), resource.outputs.amount, resource.name);
    }

    // No PATCH ever carried an amount other than the one desired in its phase.
    const requests = stack.emulator.requests;
    const indexOf = new Map(customers.map((customer, index) => [customer.id, index]));
    for (const request of requests.filter((r) => r.method === "PATCH")) {
      const index = indexOf.get(request.path.split("/")[3]!)!;
      const sent = (JSON.parse(request.body) as { Amount: number }).Amount;
      const phase = request.time < createDone ? 1 : 2;
      assert.equal(sent, amountFor(index, phase), `PATCH for customer ${index} in phase ${phase}`);
    }

    // Attempts per request stay within the bound.
    const attempts = attemptsPerRequest(requests);
    assert.ok(Math.max(...attempts) <= MAX_RETRIES + 1, `an attempt count of ${Math.max(...attempts)}`);

    const injected = stack.emulator.faults.counters;
    const figures = {
      operations: BUDGETS * 2,
      failures: failures.length,
      requests: requests.length,
      retries: requests.length - attempts.length,
      "429s": requests.filter((r) => r.status === 429).length,
      "5xx": injected.status500 + injected.status502 + injected.status503 + injected.status504,
      dropped: injected.dropped,
      maxAttempts: Math.max(...attempts),
      createSeconds: (createDone - started) / 1000,
      updateSeconds: (finished - createDone) / 1000,
    };
    console.log(`      soak figures: ${JSON.stringify(figures)}`);
    assert.ok(injected.dropped > 0 && figures["5xx"] > 0 && figures["429s"] > 0, "every kind of fault was injected");
    assert.equal(
      failures.length,
      0,
      `with ${MAX_RETRIES} retries every operation should get through: ${failures.slice(0, 3).join("\n")}`,
    );
  });
});
