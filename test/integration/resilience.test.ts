import { strict as assert } from "node:assert";
import { DEMO_CUSTOMERS, PartnerCenterEmulator, type FaultSettings } from "pulumi-partnercenter/emulator";
import { PartnerCenterClient } from "../../provider/client/partnerCenter";
import { HttpTransport } from "../../provider/client/http/transport";
import { emulatorClient } from "../support/clientFactory";
import { FakeClock } from "../support/fakeClock";
import { attemptsPerRequest } from "../support/requests";
import {
  PartnerCenterStatusError,
  PartnerCenterTransportError,
  UnusableAnswerError,
} from "../../provider/shared/errors";

const [CONTOSO, FABRIKAM, NORTHWIND, TAILSPIN] = DEMO_CUSTOMERS.map((customer) => customer.id) as [
  string,
  string,
  string,
  string,
];
const OTHER = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";

describe("the client under injected faults (real emulator, real clock)", () => {
  let emulator: PartnerCenterEmulator;
  let client: PartnerCenterClient;

  async function start(
    faults: FaultSettings,
    options: { maxRetries?: number; requestTimeoutMs?: number; operationTimeoutMs?: number; clock?: FakeClock } = {},
  ): Promise<void> {
    emulator = await PartnerCenterEmulator.start({ faults: { seed: 7, ...faults } });
    client = emulatorClient(emulator, {
      retry: { maxRetries: options.maxRetries ?? 2, baseDelayMs: 1, maxDelayMs: 5 },
      transport: new HttpTransport({
        connectTimeoutMs: 1000,
        requestTimeoutMs: options.requestTimeoutMs ?? 5000,
        maxConnections: 8,
      }),
      operationTimeoutMs: options.operationTimeoutMs,
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }

  afterEach(async () => {
    await client.close();
    await emulator.stop();
  });

  it("waits exactly Retry-After after a 429 (on the client's fake clock), then succeeds with the same MS-RequestId", async () => {
    const clock = new FakeClock(Date.now());
    await start({ partnerRateLimit: { perSecond: 1, burst: 1 } }, { clock });
    await client.getBudget(CONTOSO, client.startOperation());
    const budget = client.getBudget(FABRIKAM, client.startOperation());
    for (let i = 0; i < 1000 && client.scheduler.pausedUntil() === 0; i++)
      await new Promise((resolve) => setImmediate(resolve));
    assert.equal(client.scheduler.pausedUntil(), clock.now() + 1000, "paused for Retry-After: 1, from the answer");
    // Lift the emulator's limit (it runs on real time): whether the retry passes is then the client's timing alone.
    emulator.faults.configure({});
    await clock.advance(999);
    assert.equal(emulator.requests.length, 2, "not retried before Retry-After has passed");
    await clock.advance(1);
    assert.deepEqual(await budget, { amount: null });
    const [, throttled, retried] = emulator.requests;
    assert.deepEqual([throttled!.status, retried!.status], [429, 200]);
    assert.equal(throttled!.headers["ms-requestid"], retried!.headers["ms-requestid"]);
    assert.equal(client.scheduler.stats.throttled, 1);
  });

  it("a per-customer 429 pauses every request for its Retry-After (Partner Center does not say whose limit it was), then all go on", async () => {
    const clock = new FakeClock(Date.now());
    await start({ customerRateLimit: { perSecond: 1, burst: 1 } }, { clock });
    emulator.addCustomer({ ...DEMO_CUSTOMERS[0]!, id: OTHER, companyName: "Other" });
    await client.getBudget(CONTOSO, client.startOperation());
    const contoso = client.getBudget(CONTOSO, client.startOperation());
    for (let i = 0; i < 1000 && client.scheduler.pausedUntil() === 0; i++)
      await new Promise((resolve) => setImmediate(resolve));
    assert.equal(client.scheduler.pausedUntil(), clock.now() + 1000, "paused for Retry-After: 1, from the answer");
    emulator.faults.configure({});
    const other = client.getBudget(OTHER, client.startOperation());
    await clock.advance(999);
    assert.equal(emulator.requests.length, 2, "the other customer's request waits out the pause too");
    // Then one after the other at the rate the 429 set (a few ms apart here).
    await clock.advance(1);
    await clock.advance(100);
    assert.deepEqual([await contoso, await other], [{ amount: 1000 }, { amount: 1000 }]);
    // Contoso, refused; then, when the pause ended, contoso's retry (queued first) and the other customer. A pause of
    // contoso alone would have let the other customer go before the retry.
    assert.deepEqual(
      emulator.requests.map((r) => [r.path.includes(OTHER) ? "other" : "contoso", r.status]),
      [
        ["contoso", 200],
        ["contoso", 429],
        ["contoso", 200],
        ["other", 200],
      ],
    );
    assert.deepEqual(
      { throttled: client.scheduler.stats.throttled, pauses: client.scheduler.stats.pauses },
      { throttled: 1, pauses: 1 },
    );
  });

  it("retries service and gateway failures until they pass (reading their HTML and empty bodies: wire.test)", async () => {
    await start({ serverErrorRate: 0.5 }, { maxRetries: 8 });
    for (let i = 0; i < 20; i++) await client.getBudget(CONTOSO, client.startOperation());
    const injected = emulator.faults.counters;
    assert.ok(
      injected.status500 + injected.status502 + injected.status503 + injected.status504 >= 5,
      JSON.stringify(injected),
    );
    assert.ok(emulator.requests.some((r) => r.status === 502 || r.status === 503 || r.status === 504));
    assert.ok(Math.max(...attemptsPerRequest(emulator.requests)) <= 9);
  });

  it("gives up after maxRetries + 1 attempts, naming the last status and the attempts", async () => {
    await start({ serverErrorRate: 1 });
    const error = await client.getBudget(CONTOSO, client.startOperation()).catch((e: unknown) => e as Error);
    assert.ok(error instanceof PartnerCenterStatusError);
    assert.match(error.message, /^Partner Center answered HTTP 50[0234]/);
    assert.match(error.message, /gave up after 3 attempts \(partnercenter:maxRetries is 2\)$/);
    assert.deepEqual(attemptsPerRequest(emulator.requests), [3]);
  });

  it("retries a dropped connection", async () => {
    await start({ dropRate: 1 });
    const error = await client.patchBudget(CONTOSO, 5, client.startOperation()).catch((e: unknown) => e as Error);
    assert.ok(error instanceof PartnerCenterTransportError);
    assert.match(error.message, /got no answer/);
    assert.equal(emulator.faults.counters.dropped, 3);
    emulator.faults.configure({ dropRate: 0.5, seed: 3 });
    await client.patchBudget(CONTOSO, 6, client.startOperation());
    assert.equal(emulator.budgetOf(CONTOSO), 6);
  });

  it("aborts a body slower than the request timeout and counts it as a retryable failure", async () => {
    await start({ slowBodyRate: 1, slowBodyMs: 10_000 }, { requestTimeoutMs: 200 });
    const started = Date.now();
    const error = await client.getBudget(CONTOSO, client.startOperation()).catch((e: unknown) => e as Error);
    assert.ok(error instanceof PartnerCenterTransportError);
    assert.match(error.message, /UND_ERR_BODY_TIMEOUT/);
    assert.equal(emulator.faults.counters.slowBody, 3);
    assert.ok(Date.now() - started < 3000, "three 200 ms timeouts, not three 10 s stalls");
  });

  it("retries an answer cut short into malformed JSON", async () => {
    await start({ malformedRate: 1 });
    const error = await client.getBudget(CONTOSO, client.startOperation()).catch((e: unknown) => e as Error);
    assert.ok(error instanceof UnusableAnswerError);
    assert.match(error.message, /the body is not JSON/);
    assert.equal(emulator.faults.counters.malformed, 3);
  });

  it("never retries 400, 403 or 404", async () => {
    await start({});
    emulator.removeCustomer(FABRIKAM);
    for (const customer of [TAILSPIN, FABRIKAM]) {
      await assert.rejects(client.getBudget(customer, client.startOperation()), PartnerCenterStatusError);
    }
    assert.deepEqual(
      emulator.requests.map((r) => r.status),
      [403, 404],
    );
  });

  it("stops at the operation's deadline rather than wait a Retry-After past it", async () => {
    await start({ partnerRateLimit: { perSecond: 0.2, burst: 1 } }, { operationTimeoutMs: 2000 });
    await client.getBudget(CONTOSO, client.startOperation());
    const started = Date.now();
    const error = await client.getBudget(NORTHWIND, client.startOperation()).then(
      () => new Error("no error"),
      (e: unknown) => e as Error,
    );
    assert.match(
      error.message,
      /HTTP 429 .*Rate limit is exceeded\. Try again in 5 seconds\..*Retry-After asks for 5 s, past the operation's deadline/,
    );
    assert.ok(Date.now() - started < 1000, "failed at once instead of waiting");
  });
});
