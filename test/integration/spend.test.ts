/**
 * Month-to-date spend through the real client, the real MSAL and both
 * emulators: App+User tokens from a refresh token (with and without MFA),
 * app-only tokens from a client secret, and the emulator's own static token.
 */
import { strict as assert } from "node:assert";
import { Agent } from "undici";
import {
  DEMO_CUSTOMERS,
  EMULATOR_CA,
  EntraEmulator,
  generateCustomers,
  MFA_REQUIRED_CODE,
  PartnerCenterEmulator,
  percentUsed,
  type CustomerRecord,
} from "pulumi-partnercenter/emulator";
import { StaticTokenCredential, type TokenCredential } from "../../provider/client/auth";
import {
  clientSecretCredential,
  refreshTokenCredential,
  type AppContext,
} from "../../provider/client/auth/msalCredentials";
import { PartnerCenterClient } from "../../provider/client/partnerCenter";
import { Secret } from "../../provider/shared/secret";
import { SpendLookup, spendOutputs } from "../../provider/resource/spend";
import { PartnerCenterStatusError } from "../../provider/shared/errors";
import { fastRetry, testClient } from "../support/clientFactory";

const CLIENT_ID = "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const SECRET = "emulated-spend-client-secret";
const [CONTOSO, FABRIKAM, NORTHWIND] = DEMO_CUSTOMERS as [
  CustomerRecord,
  CustomerRecord,
  CustomerRecord,
  CustomerRecord,
];
const USAGE_RECORDS = "/v1/customers/usagerecords";

describe("month-to-date spend against the emulators (App+User with MFA only)", () => {
  let entra: EntraEmulator;
  let emulator: PartnerCenterEmulator;
  let dispatcher: Agent;
  let clients: PartnerCenterClient[];

  beforeEach(async () => {
    entra = await EntraEmulator.start({ apps: [{ clientId: CLIENT_ID, secret: SECRET }] });
    // 250 generated customers and the 3 demo ones with a relationship, 100 a page: the usage records come in 3 pages.
    emulator = await PartnerCenterEmulator.start({
      customers: [...DEMO_CUSTOMERS, ...generateCustomers(250)],
      tokenVerifier: entra.tokenVerifier(),
      tokenIdentity: entra.tokenIdentity(),
    });
    dispatcher = new Agent({ connect: { ca: EMULATOR_CA } });
    clients = [];
  });

  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await dispatcher.close();
    await emulator.stop();
    await entra.stop();
  });

  function context(): AppContext {
    return { tenantId: entra.tenantId, clientId: CLIENT_ID, authority: entra.authority, dispatcher };
  }

  function clientWith(credential: TokenCredential): PartnerCenterClient {
    const client = testClient(emulator.endpoint, credential, { retry: fastRetry(2) });
    clients.push(client);
    return client;
  }

  function userClient(mfa: boolean): PartnerCenterClient {
    return clientWith(
      refreshTokenCredential(context(), new Secret(entra.issueRefreshToken(CLIENT_ID, { mfa })), new Secret(SECRET)),
    );
  }

  it("lists every customer's budget, spend and currency across continuation pages, percentUsed past 100 included", async () => {
    const records = await userClient(true).listUsageRecords();
    const listed = emulator.customers().filter((customer) => customer.relationship);
    assert.equal(records.length, listed.length);
    assert.equal(
      emulator.requests.filter((request) => request.path.startsWith(USAGE_RECORDS)).length,
      3,
      "three pages of 100",
    );
    for (const customer of listed) {
      const record = records.find((candidate) => candidate.customerId === customer.id);
      assert.ok(record, customer.id);
      assert.equal(record.budget, customer.amount, `${customer.id} budget`);
      assert.equal(record.spend, customer.spend ?? 0, `${customer.id} spend`);
      assert.equal(record.currency, customer.currency ?? "USD", `${customer.id} currency`);
      assert.equal(record.percentUsed, percentUsed(customer), `${customer.id} percentUsed`);
      assert.equal(record.companyName, customer.companyName);
    }
    assert.ok(
      records.some((record) => (record.percentUsed ?? 0) > 100),
      "some customers are past their budget",
    );
    const northwind = records.find((record) => record.customerId === NORTHWIND.id);
    assert.deepEqual(
      { currency: northwind?.currency, usdSpend: northwind?.usdSpend },
      { currency: "GBP", usdSpend: undefined },
      "the legacy offer's currencyLocale is read, and it has no USD total",
    );
    assert.equal(records.find((record) => record.customerId === FABRIKAM.id)?.budget, null, "no amount key: no budget");
  });

  it("reads one customer's usage summary, and a change of spend or budget shows in the next read", async () => {
    const client = userClient(true);
    const before = await client.getUsageSummary(CONTOSO.id);
    assert.deepEqual(
      { budget: before.budget, spend: before.spend, currency: before.currency },
      { budget: 1000, spend: 812.4, currency: "EUR" },
    );
    assert.match(before.billingStartDate ?? "", /^\d{4}-\d{2}-01T00:00:00Z$/);

    // As the customer's use and a portal user would change them, over HTTP.
    const hook = await fetch(`${emulator.endpoint}/_emulator/usage/customers/${CONTOSO.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${emulator.accessToken}` },
      body: JSON.stringify({ spend: 1500.5, currency: "CHF" }),
    });
    assert.equal(hook.status, 200);
    emulator.setBudget(CONTOSO.id, 1200);
    const after = await client.getUsageSummary(CONTOSO.id);
    assert.deepEqual(
      { budget: after.budget, spend: after.spend, currency: after.currency },
      { budget: 1200, spend: 1500.5, currency: "CHF" },
    );
    const record = (await client.listUsageRecords()).find((candidate) => candidate.customerId === CONTOSO.id);
    assert.equal(record?.percentUsed, 125.04, "1500.50 of 1200, to the cent");

    const refused = await fetch(`${emulator.endpoint}/_emulator/usage/customers/${CONTOSO.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${emulator.accessToken}` },
      body: JSON.stringify({ spend: 5, currency: "euro" }),
    });
    assert.equal(refused.status, 400, "the hook validates the currency code");
  });

  it("refuses an app-only token (client secret, or the emulator's static token) as Partner Center does: 403 and its description", async () => {
    for (const credential of [
      clientSecretCredential(context(), new Secret(SECRET)),
      new StaticTokenCredential(new Secret(emulator.accessToken)),
    ]) {
      const client = clientWith(credential);
      await assert.rejects(client.listUsageRecords(), (error: unknown) => {
        assert.ok(error instanceof PartnerCenterStatusError, String(error));
        assert.equal(error.status, 403);
        assert.match(error.message, /This resource can't be accessed by application credentials/);
        return true;
      });
      await assert.rejects(
        client.getUsageSummary(CONTOSO.id),
        (error: unknown) => error instanceof PartnerCenterStatusError && error.status === 403,
      );
      // The same credential still reads budgets: only the spend calls need a user.
      assert.equal((await client.getBudget(CONTOSO.id, client.startOperation())).amount, 1000);
    }
  });

  it("refuses an App+User token from a sign-in without MFA, on every call: 401, code 900421, once (a renewal cannot add MFA)", async () => {
    const client = userClient(false);
    await assert.rejects(client.listUsageRecords(), (error: unknown) => {
      assert.ok(error instanceof PartnerCenterStatusError, String(error));
      assert.equal(error.status, 401);
      assert.equal(error.serviceCode, String(MFA_REQUIRED_CODE));
      assert.match(error.message, /signing in with MFA/);
      return true;
    });
    assert.equal(
      emulator.requests.filter((request) => request.path.startsWith(USAGE_RECORDS)).length,
      1,
      "not sent again with a renewed token",
    );
    await assert.rejects(
      client.getBudget(CONTOSO.id, client.startOperation()),
      (error: unknown) => error instanceof PartnerCenterStatusError && error.serviceCode === String(MFA_REQUIRED_CODE),
      "every App+User call requires MFA",
    );
  });

  it("the provider's spend lookup reads the records once for every concurrent and later caller, and turns a refusal into 'unknown' with one line", async () => {
    const lines: string[] = [];
    const lookup = new SpendLookup((line) => lines.push(line));
    const client = userClient(true);
    const ids = emulator
      .customers()
      .filter((customer) => customer.relationship)
      .map((customer) => customer.id);
    const found = await Promise.all(ids.map((id) => lookup.of(client, id)));
    assert.equal(
      emulator.requests.filter((request) => request.path.startsWith(USAGE_RECORDS)).length,
      3,
      "one read of 3 pages for 253 callers",
    );
    assert.deepEqual(
      spendOutputs(found[0], 500),
      { spend: 812.4, currency: "EUR", percentUsed: 162.48 },
      "percentUsed against the amount given, not the record's",
    );
    assert.equal((await lookup.of(client, CONTOSO.id))?.spend, 812.4);
    assert.equal(
      emulator.requests.filter((request) => request.path.startsWith(USAGE_RECORDS)).length,
      3,
      "and none later",
    );
    assert.equal(lines.length, 0, lines.join("\n"));

    const refused = new SpendLookup((line) => lines.push(line));
    const appOnly = clientWith(new StaticTokenCredential(new Secret(emulator.accessToken)));
    assert.deepEqual(await Promise.all([refused.of(appOnly, CONTOSO.id), refused.of(appOnly, FABRIKAM.id)]), [
      undefined,
      undefined,
    ]);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0] ?? "",
      /left unset: Partner Center's usage records accept App\+User credentials only and refused this one \(HTTP 403, code 403\); to see spend, configure an App\+User credential signed in with MFA/,
    );
    assert.doesNotMatch(lines[0] ?? "", new RegExp(emulator.accessToken), "the token is not in the line");
  });
});
