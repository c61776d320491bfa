/** Hostile and broken answers from the network: each test reproduces a defect of issue 11 first. */
import { strict as assert } from "node:assert";
import { StaticTokenCredential } from "../../provider/client/auth";
import { PartnerCenterClient } from "../../provider/client/partnerCenter";
import { Secret } from "../../provider/secret";
import { resolveSettings } from "../../provider/settings";
import { startLoopbackServer } from "../support/loopbackServer";

const TOKEN = "hardening-token-6b0f2c9e";
const FAST_RETRY = { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 };

function pageOf(ids: string[], next?: string): string {
  const items = ids.map((id) => ({ id, companyProfile: { tenantId: id, companyName: `Customer ${id.slice(0, 4)}` } }));
  const links = next ? { next: { uri: next, method: "GET", headers: [{ key: "MS-ContinuationToken", value: "t1" }] } } : {};
  return JSON.stringify({ totalCount: ids.length, items, links, attributes: { objectType: "Collection" } });
}

async function listAll(client: PartnerCenterClient): Promise<number> {
  let customers = 0;
  for await (const page of client.listCustomers(client.startOperation(), 10)) customers += page.customers.length;
  return customers;
}

describe("hardening: what the network can answer", () => {
  it("a continuation link to another origin is not followed, and the token never goes there", async () => {
    const elsewhere = await startLoopbackServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(pageOf([])));
    const partnerCenter = await startLoopbackServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(pageOf(["0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10"], `${elsewhere.origin}/v1/customers?seek=2`)),
    );
    const client = new PartnerCenterClient({ endpoint: partnerCenter.origin, credential: new StaticTokenCredential(new Secret(TOKEN)), retry: FAST_RETRY });
    try {
      await assert.rejects(listAll(client), new RegExp(`continuation link points to ${elsewhere.origin}, not to ${partnerCenter.origin}: not followed`));
      assert.equal(elsewhere.received.length, 0, "nothing, and so no token, was sent to the other origin");
    } finally {
      await client.close();
      await elsewhere.stop();
      await partnerCenter.stop();
    }
  });

  it("a continuation that repeats itself is stopped instead of looping", async () => {
    const partnerCenter = await startLoopbackServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(pageOf(["0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10"], "/v1/customers?size=10&seekOperation=Next")),
    );
    const client = new PartnerCenterClient({ endpoint: partnerCenter.origin, credential: new StaticTokenCredential(new Secret(TOKEN)), retry: FAST_RETRY });
    try {
      await assert.rejects(listAll(client), /continuation link repeats an earlier page \(page 2\); stopped instead of looping/);
      assert.equal(partnerCenter.received.length, 2);
    } finally {
      await client.close();
      await partnerCenter.stop();
    }
  });

  it("an endpoint with a path, an empty query or fragment is refused, and a refused endpoint never shows its password", () => {
    for (const endpoint of ["https://pc.example.com/v1", "https://pc.example.com/?", "https://pc.example.com/#", "https://pc.example.com/api/"]) {
      assert.throws(() => resolveSettings({ get: (key) => (key === "partnercenter:endpoint" ? endpoint : undefined) }, {}), /must be the API's base URL only/, endpoint);
    }
    for (const endpoint of ["https://partner:hunter2-secret@pc.example.com", "http://partner:hunter2-secret@pc.example.com/", "not a url://partner:hunter2-secret@x"]) {
      assert.throws(
        () => resolveSettings({ get: (key) => (key === "partnercenter:endpoint" ? endpoint : undefined) }, {}),
        (error: Error) => !error.message.includes("hunter2-secret") && !error.message.includes("partner:"),
        endpoint,
      );
    }
  });
});
