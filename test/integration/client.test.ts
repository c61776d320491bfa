import { strict as assert } from "node:assert";
import { DEMO_CUSTOMERS, generateCustomers, PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { StaticTokenCredential, type TokenCredential } from "../../provider/client/auth";
import { PartnerCenterClient } from "../../provider/client/partnerCenter";
import { Secret } from "../../provider/shared/secret";
import { RequestScheduler } from "../../provider/client/throttle/scheduler";
import { answerJson } from "../support/answers";
import { emulatorClient, fastRetry, withLoopbackClient } from "../support/clientFactory";
import { FakeClock } from "../support/fakeClock";
import { startLoopbackServer } from "../support/loopbackServer";
import { systemClock } from "../../provider/client/clock";
import {
  AmountMismatchError,
  PartnerCenterStatusError,
  PartnerCenterTransportError,
  UnusableAnswerError,
} from "../../provider/shared/errors";

const [CONTOSO, FABRIKAM, , TAILSPIN] = DEMO_CUSTOMERS.map((customer) => customer.id) as [
  string,
  string,
  string,
  string,
];
const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Retries after 1 ms at most, so that tests of giving up take no time. */
const FAST_RETRY = fastRetry(2);

function clientOf(emulator: PartnerCenterEmulator, credential?: TokenCredential): PartnerCenterClient {
  return emulatorClient(emulator, { retry: FAST_RETRY }, credential);
}

describe("the Partner Center client against the emulator", () => {
  let emulator: PartnerCenterEmulator;
  let client: PartnerCenterClient;
  beforeEach(async () => {
    emulator = await PartnerCenterEmulator.start({ byteOrderMark: true });
    client = clientOf(emulator);
  });
  afterEach(async () => {
    await client.close();
    await emulator.stop();
  });

  it("reads and sets budgets, sending the documented headers", async () => {
    const operation = client.startOperation();
    assert.deepEqual(await client.getBudget(CONTOSO, operation), { amount: 1000 });
    assert.deepEqual(await client.patchBudget(CONTOSO, 1234.56, operation), { amount: 1234.56 });
    assert.deepEqual(await client.getBudget(FABRIKAM, operation), { amount: null });
    const [get, patch] = emulator.requests;
    for (const request of [get!, patch!]) {
      assert.equal(request.headers.authorization, `Bearer ${emulator.accessToken}`);
      assert.equal(request.headers.accept, "application/json");
      assert.equal(request.headers["x-locale"], "en-US");
      assert.match(request.headers["ms-requestid"] ?? "", GUID_PATTERN);
      assert.equal(request.headers["ms-correlationid"], operation.correlationId);
    }
    assert.notEqual(get!.headers["ms-requestid"], patch!.headers["ms-requestid"]);
    assert.equal(patch!.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(patch!.body), { Amount: 1234.56, Attributes: { ObjectType: "SpendingBudget" } });
  });

  it("clears a budget with a null amount", async () => {
    assert.deepEqual(await client.patchBudget(CONTOSO, null, client.startOperation()), { amount: null });
    assert.equal(emulator.budgetOf(CONTOSO), null);
  });

  it("turns a 403 into a PartnerCenterStatusError with the service's code, description and ids", async () => {
    const error = await client.getBudget(TAILSPIN, client.startOperation()).catch((e: unknown) => e);
    assert.ok(error instanceof PartnerCenterStatusError);
    assert.equal(error.status, 403);
    assert.equal(error.serviceCode, "20002");
    assert.equal(error.description, "Partner does not have a commerce relationship with the customer.");
    assert.equal(error.request.customerId, TAILSPIN);
    assert.equal(error.request.requestId, emulator.requests[0]!.headers["ms-requestid"]);
  });

  it("turns a refused static token into a 401 status error, and does not retry it", async () => {
    const wrong = clientOf(emulator, new StaticTokenCredential(new Secret("wrong-token-value")));
    const error = await wrong.getBudget(CONTOSO, wrong.startOperation()).catch((e: unknown) => e as Error);
    await wrong.close();
    assert.ok(error instanceof PartnerCenterStatusError);
    assert.equal(error.status, 401);
    assert.equal(emulator.requests.length, 1, "a static token is not retried");
    // That no token reaches an error, even one the server quotes back, is held at the exits: see secrets.engine.test.
  });

  it("after a 401 asks a renewable credential for a new token and retries once", async () => {
    const tokens = ["expired-token", emulator.accessToken];
    let invalidations = 0;
    const renewable: TokenCredential = {
      description: "test credential",
      getToken: async () => new Secret(tokens[Math.min(invalidations, 1)]!),
      invalidate: () => (invalidations++, true),
    };
    const renewing = clientOf(emulator, renewable);
    assert.deepEqual(await renewing.getBudget(CONTOSO, renewing.startOperation()), { amount: 1000 });
    await renewing.close();
    assert.deepEqual(
      emulator.requests.map((r) => r.status),
      [401, 200],
    );
    assert.equal(
      emulator.requests[0]!.headers["ms-requestid"],
      emulator.requests[1]!.headers["ms-requestid"],
      "the retry keeps MS-RequestId",
    );
    assert.equal(invalidations, 1);
  });

  it("lists every customer across continuation pages", async () => {
    await emulator.stop();
    emulator = await PartnerCenterEmulator.start({ customers: generateCustomers(250) });
    client = clientOf(emulator);
    const ids: string[] = [];
    for await (const page of client.listCustomers(client.startOperation(), 100))
      ids.push(...page.customers.map((c) => c.id));
    assert.equal(ids.length, 250);
    assert.equal(new Set(ids).size, 250);
    assert.equal(emulator.requests.length, 3);
    assert.equal(emulator.requests[1]!.headers["ms-continuationtoken"] !== undefined, true);
  });

  it("reports a server that does not answer as a transport error naming the endpoint, after the allowed retries", async () => {
    const endpoint = emulator.endpoint;
    await emulator.stop();
    const error = await client.getBudget(CONTOSO, client.startOperation()).catch((e: unknown) => e as Error);
    assert.ok(error instanceof PartnerCenterTransportError);
    assert.match(error.message, new RegExp(`at ${endpoint} got no answer \\(ECONNREFUSED`));
    assert.match(error.message, /gave up after 3 attempts \(partnercenter:maxRetries is 2\)/);
    emulator = await PartnerCenterEmulator.start();
  });
});

describe("the Partner Center client against answers the emulator never gives", () => {
  it("fails a PATCH whose answer reports another amount than the one sent", async () => {
    const service = await startLoopbackServer((_req, res) => answerJson(res, '{"amount": 99}'));
    await withLoopbackClient(service, "t", { retry: FAST_RETRY }, async (client) => {
      const error = await client.patchBudget(CONTOSO, 100, client.startOperation()).catch((e: unknown) => e as Error);
      assert.ok(error instanceof AmountMismatchError);
      assert.deepEqual(
        { code: error.code, sent: error.sent, reported: error.reported },
        { code: "PC_ERR_AMOUNT_MISMATCH", sent: 100, reported: 99 },
      );
      assert.match(
        error.message,
        /^The budget of customer \S+ was set to 100 but Partner Center reports 99; nothing is recorded as written \(MS-RequestId /,
      );
    });
  });

  it("fails a 200 whose body is not JSON with the request's ids", async () => {
    const service = await startLoopbackServer((_req, res) => answerJson(res, "<html>maintenance</html>"));
    await withLoopbackClient(service, "t", { retry: FAST_RETRY }, async (client) => {
      const error = await client.getBudget(CONTOSO, client.startOperation()).catch((e: unknown) => e as Error);
      assert.ok(error instanceof UnusableAnswerError);
      assert.match(
        error.message,
        /could not be used: the body is not JSON .* \(MS-RequestId [0-9a-f-]{36}, MS-CorrelationId [0-9a-f-]{36}\); gave up after 3 attempts/,
      );
    });
  });
});

describe("the client's token and the throttle", () => {
  it("takes the token when the request may go, not before waiting out a pause (a token fetched first can expire in the queue)", async () => {
    const emulator = await PartnerCenterEmulator.start();
    const clock = new FakeClock(Date.now());
    const asked: number[] = [];
    const credential: TokenCredential = {
      description: "test credential",
      getToken: async () => (asked.push(clock.now()), new Secret(emulator.accessToken)),
      invalidate: () => false,
    };
    const throttle = new RequestScheduler(4, clock);
    const client = emulatorClient(emulator, { scheduler: throttle, clock }, credential);
    try {
      throttle.record(429, 60_000, clock.now());
      const pausedUntil = throttle.pausedUntil();
      const budget = client.getBudget(CONTOSO, client.startOperation());
      await clock.advance(60_000);
      assert.deepEqual(await budget, { amount: 1000 });
      assert.equal(asked.length, 1);
      assert.ok(asked[0]! >= pausedUntil, `the token was taken ${pausedUntil - asked[0]!} ms before the pause ended`);
    } finally {
      await client.close();
      await emulator.stop();
    }
  });
});

describe("an operation's deadline", () => {
  it("runs from its first turn to send: time queued behind other operations does not count", async () => {
    const emulator = await PartnerCenterEmulator.start();
    const clock = new FakeClock(Date.now());
    const throttle = new RequestScheduler(1, clock);
    const client = emulatorClient(emulator, { scheduler: throttle, clock, operationTimeoutMs: 1000 });
    try {
      const busy = await throttle.acquire();
      const operation = client.startOperation();
      const budget = client.getBudget(CONTOSO, operation);
      // Queued five timeouts long behind the one slot.
      await clock.advance(5000);
      const turn = clock.now();
      busy.release();
      assert.deepEqual(await budget, { amount: 1000 }, "the queued operation did not fail");
      await clock.advance(10);
      assert.equal(operation.deadline, turn + 1000, "its deadline counts from its turn, and stays");
    } finally {
      await client.close();
      await emulator.stop();
    }
  });
});

describe("the client's concurrency", () => {
  it("keeps at most the scheduler's maxConcurrency requests in flight, whatever the connection pool allows", async () => {
    const emulator = await PartnerCenterEmulator.start({ customers: generateCustomers(20), faults: { latencyMs: 30 } });
    // A pool of 64 connections: the cap below is the scheduler's alone.
    const client = emulatorClient(emulator, { scheduler: new RequestScheduler(3, systemClock) });
    try {
      await Promise.all(emulator.customers().map((customer) => client.getBudget(customer.id, client.startOperation())));
      assert.equal(emulator.maxInFlight, 3);
    } finally {
      await client.close();
      await emulator.stop();
    }
  });
});
