import { strict as assert } from "node:assert";
import { request } from "undici";
import { DEMO_CUSTOMERS, FaultInjector, PartnerCenterEmulator } from "pulumi-partnercenter/emulator";

const CONTOSO = DEMO_CUSTOMERS[0]!.id;

describe("emulator fault injection", () => {
  it("a partner token bucket answers 429 with Retry-After and the documented throttling body", async () => {
    const emulator = await PartnerCenterEmulator.start({ faults: { partnerRateLimit: { perSecond: 2, burst: 2 } } });
    try {
      const statuses: number[] = [];
      let last: { headers: Record<string, unknown>; body: unknown } | undefined;
      for (let i = 0; i < 4; i++) {
        const response = await request(`${emulator.endpoint}/v1/customers/${CONTOSO}/usagebudget`, {
          headers: { authorization: `Bearer ${emulator.accessToken}` },
        });
        statuses.push(response.statusCode);
        last = { headers: response.headers, body: await response.body.json() };
      }
      assert.deepEqual(statuses, [200, 200, 429, 429]);
      assert.equal(last?.headers["retry-after"], "1");
      assert.deepEqual(last?.body, { statusCode: 429, message: "Rate limit is exceeded. Try again in 1 seconds." });
      assert.equal(emulator.faults.counters.throttled, 2);
    } finally {
      await emulator.stop();
    }
  });

  it("chooses faults reproducibly from a seed and counts each kind", () => {
    const settings = { serverErrorRate: 0.1, dropRate: 0.03, seed: 42 };
    const run = (): string[] => {
      const injector = new FaultInjector(settings);
      return Array.from({ length: 500 }, () => injector.beforeServing(CONTOSO, 0)?.kind ?? "ok");
    };
    const first = run();
    assert.deepEqual(run(), first);
    const drops = first.filter((kind) => kind === "drop").length;
    const errors = first.filter((kind) => kind === "serverError").length;
    assert.ok(drops > 5 && drops < 30, `drops ${drops}`);
    assert.ok(errors > 25 && errors < 80, `errors ${errors}`);
  });

  it("answers gateway failures with HTML or empty bodies and 500 with Partner Center's error document", async () => {
    const emulator = await PartnerCenterEmulator.start({ faults: { serverErrorRate: 1, seed: 1 } });
    try {
      const bodies = new Map<number, string[]>();
      for (let i = 0; i < 40; i++) {
        const response = await request(`${emulator.endpoint}/v1/customers/${CONTOSO}/usagebudget`, {
          headers: { authorization: `Bearer ${emulator.accessToken}` },
        });
        const text = await response.body.text();
        bodies.set(response.statusCode, [...(bodies.get(response.statusCode) ?? []), text]);
      }
      assert.deepEqual([...bodies.keys()].sort(), [500, 502, 503, 504]);
      assert.match(bodies.get(500)![0]!, /"code":500/);
      const gateway = [...bodies.get(502)!, ...bodies.get(503)!, ...bodies.get(504)!];
      assert.ok(gateway.some((text) => text.startsWith("<html>")) && gateway.some((text) => text === ""));
    } finally {
      await emulator.stop();
    }
  });

  it("refuses the next requests with 401 as for an expired token", async () => {
    const emulator = await PartnerCenterEmulator.start();
    try {
      emulator.faults.expireTokenForNext(1);
      const get = () =>
        request(`${emulator.endpoint}/v1/customers/${CONTOSO}/usagebudget`, {
          headers: { authorization: `Bearer ${emulator.accessToken}` },
        }).then(async (r) => (await r.body.text(), r.statusCode));
      assert.deepEqual([await get(), await get()], [401, 200]);
      assert.equal(emulator.faults.counters.unauthorized, 1);
    } finally {
      await emulator.stop();
    }
  });
});
