/**
 * Azure Pipelines workload identity federation, in process: the client asks
 * the emulated Azure DevOps for the job's OIDC token, real MSAL exchanges it
 * with the emulated Entra ID, and the emulated Partner Center accepts the
 * access token. Each failure Azure DevOps can answer is checked for its
 * message, and for the secrets it must not carry.
 */
import { strict as assert } from "node:assert";
import jwt from "jsonwebtoken";
import { Agent } from "undici";
import {
  AzureDevOpsEmulator,
  DEMO_CUSTOMERS,
  EMULATOR_CA,
  EntraEmulator,
  PartnerCenterEmulator,
  type ServiceConnection,
} from "pulumi-partnercenter/emulator";
import {
  azurePipelinesAssertion,
  type AzurePipelinesOidcSettings,
} from "../../provider/client/auth/azurePipelinesOidc";
import { federatedCredential, type AppContext } from "../../provider/client/auth/msalCredentials";
import { redactSecrets, Secret } from "../../provider/shared/secret";
import { answerJson } from "../support/answers";
import { fastRetry, testClient } from "../support/clientFactory";
import { startLoopbackServer } from "../support/loopbackServer";
import { FEDERATED_CONNECTION, PIPELINE_CLIENT_ID } from "../support/serviceConnection";

const CLIENT_ID = PIPELINE_CLIENT_ID;
const FEDERATED = FEDERATED_CONNECTION;
const WITH_SECRET: ServiceConnection = {
  id: "9a2e4c6b-1d3f-4a8e-b7c5-0f2d4e6a8c1b",
  name: "legacy-secret",
  workloadIdentityFederation: false,
};
const UNREFERENCED: ServiceConnection = {
  id: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
  name: "other-stage",
  workloadIdentityFederation: true,
  referencedByStage: false,
};
const UNKNOWN_ID = "00000000-1111-4222-8333-444444444444";
/** Azure DevOps' request ids, as every failure quotes them. */
const IDS = String.raw`\(Azure DevOps X-VSS-E2EID [0-9a-f-]{36}, x-msedge-ref Ref A: [0-9A-F]{32} Ref B: \S+ Ref C: \S+\)`;

describe("Azure Pipelines workload identity federation against the emulated Azure DevOps and Entra ID, with MSAL", () => {
  let entra: EntraEmulator;
  let ado: AzureDevOpsEmulator;
  let dispatcher: Agent;

  beforeEach(async () => {
    entra = await EntraEmulator.start();
    ado = await AzureDevOpsEmulator.start({
      signer: entra,
      serviceConnections: [FEDERATED, WITH_SECRET, UNREFERENCED],
    });
    entra.registerApp({
      clientId: CLIENT_ID,
      federated: [{ issuer: ado.issuer, subject: ado.subjectOf(FEDERATED.name) }],
    });
    // Both emulators serve HTTPS with the test CA's certificate; the dispatcher trusts it, as NODE_EXTRA_CA_CERTS would.
    dispatcher = new Agent({ connect: { ca: EMULATOR_CA } });
  });

  afterEach(async () => {
    await dispatcher.close();
    await ado.stop();
    await entra.stop();
  });

  function context(): AppContext {
    return { tenantId: entra.tenantId, clientId: CLIENT_ID, authority: entra.authority, dispatcher };
  }

  /** The pipeline's settings: the job's endpoint and access token, and the federated service connection, unless overridden. */
  function settings(overrides: Partial<AzurePipelinesOidcSettings> = {}): AzurePipelinesOidcSettings {
    return {
      requestUri: ado.oidcRequestUri,
      accessToken: new Secret(ado.accessToken),
      serviceConnectionId: FEDERATED.id,
      ...overrides,
    };
  }

  function credential(overrides: Partial<AzurePipelinesOidcSettings> = {}) {
    const chosen = settings(overrides);
    return federatedCredential(
      context(),
      `the Azure Pipelines OIDC token of service connection ${chosen.serviceConnectionId}`,
      azurePipelinesAssertion(chosen, dispatcher),
    );
  }

  it("obtains a token that Partner Center accepts, asking Azure DevOps as AzurePipelinesCredential does, and a fresh OIDC token for every exchange", async () => {
    const partnerCenter = await PartnerCenterEmulator.start({ tokenVerifier: entra.tokenVerifier() });
    const pipeline = credential();
    const client = testClient(partnerCenter.endpoint, pipeline, { retry: fastRetry(0) });
    try {
      await client.getBudget(DEMO_CUSTOMERS[0]!.id, client.startOperation());
      await client.getBudget(DEMO_CUSTOMERS[1]!.id, client.startOperation());
      assert.equal(ado.requests.length, 1, "the access token is cached; no second OIDC token while it is valid");

      const [first] = ado.requests;
      assert.equal(first!.method, "POST");
      assert.equal(first!.path, new URL(ado.oidcRequestUri).pathname);
      assert.equal(first!.apiVersion, "7.1");
      assert.equal(first!.serviceConnectionId, FEDERATED.id);
      assert.equal(first!.headers.authorization, `Bearer ${ado.accessToken}`);
      assert.equal(first!.headers["content-type"], "application/json");
      assert.equal(first!.headers["x-tfs-fedauthredirect"], "Suppress");
      assert.deepEqual(
        [jwt.decode(first!.oidcToken!, { json: true })].map((claims) => claims && [claims.iss, claims.sub, claims.aud]),
        [
          [
            `https://vstoken.dev.azure.com/${ado.organizationId}`,
            `sc://contoso-partner/budgets/${FEDERATED.name}`,
            "api://AzureADTokenExchange",
          ],
        ],
      );
      assert.equal(entra.tokenRequests[0]!.clientAssertion, first!.oidcToken, "the OIDC token is the client assertion");

      // Partner Center refused the token (or it neared expiry): the next exchange needs a new OIDC token, ADO's live minutes.
      assert.equal(pipeline.invalidate(), true);
      await client.getBudget(DEMO_CUSTOMERS[0]!.id, client.startOperation());
      assert.equal(ado.requests.length, 2);
      assert.notEqual(ado.requests[1]!.oidcToken, first!.oidcToken);
      assert.deepEqual(
        entra.tokenRequests.map((r) => [r.clientAssertion, r.issued]),
        ado.requests.map((r) => [r.oidcToken, true]),
        "each Entra exchange presents the OIDC token fetched for it",
      );
      assert.equal(partnerCenter.requests.length, 3);
    } finally {
      await client.close();
      await partnerCenter.stop();
    }
  });

  it("a SYSTEM_ACCESSTOKEN Azure DevOps does not accept: 401, and says how to map it", async () => {
    await assert.rejects(
      credential({ accessToken: new Secret("not-the-pipelines-access-token") }).getToken(),
      new RegExp(
        String.raw`^CredentialError: Azure DevOps refused the pipeline's SYSTEM_ACCESSTOKEN when asked for an OIDC token for service connection ${FEDERATED.id} ` +
          String.raw`\(HTTP 401: TF400813: Resource not available for anonymous access\. Client authentication required\.\) ${IDS}: ` +
          String.raw`map it in the pipeline step's env: as "SYSTEM_ACCESSTOKEN: \$\(System\.AccessToken\)"$`,
      ),
    );
    assert.deepEqual(
      ado.requests.map((r) => r.status),
      [401],
    );
    assert.equal(entra.tokenRequests.length, 0, "nothing is sent to Entra ID without an OIDC token");
  });

  it("a wrong SYSTEM_OIDCREQUESTURI, or no pipeline job: 404, naming the endpoint", async () => {
    const elsewhere = ado.oidcRequestUri.replace(ado.planId, "8d4c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a09");
    await assert.rejects(
      credential({ requestUri: elsewhere }).getToken(),
      new RegExp(
        String.raw`^CredentialError: Azure DevOps has no OIDC token endpoint at ${escape(elsewhere)} \(HTTP 404: The orchestration plan 8d4c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a09 or its job ${ado.jobId} does not exist in project ${ado.projectId}\.\) ${IDS}: ` +
          String.raw`SYSTEM_OIDCREQUESTURI is wrong or this is not running in a pipeline job; map it in the step's env: as "SYSTEM_OIDCREQUESTURI: \$\(System\.OidcRequestUri\)"$`,
      ),
    );
    // Another organization: Azure DevOps' 404 has no body at all.
    const otherOrganization = ado.oidcRequestUri.replace("/contoso-partner/", "/fabrikam/");
    await assert.rejects(
      credential({ requestUri: otherOrganization }).getToken(),
      new RegExp(
        String.raw`has no OIDC token endpoint at ${escape(otherOrganization)} \(HTTP 404\) ${IDS}: SYSTEM_OIDCREQUESTURI is wrong`,
      ),
    );
    assert.deepEqual(
      ado.requests.map((r) => r.status),
      [404, 404],
    );
  });

  for (const [kind, id, text] of [
    ["unknown", UNKNOWN_ID, `No service connection found with identifier ${UNKNOWN_ID}\\.`],
    [
      "not federated (a secret)",
      WITH_SECRET.id,
      `Service connection 'legacy-secret' \\(${WITH_SECRET.id}\\) does not use workload identity federation: .*`,
    ],
    [
      "not referenced by the stage",
      UNREFERENCED.id,
      `There is no explicit reference to service connection ${UNREFERENCED.id} from current stage .*`,
    ],
  ] as const) {
    it(`a service connection that is ${kind}: 400 with Azure DevOps' message, naming the id and the conversion to workload identity federation`, async () => {
      await assert.rejects(
        credential({ serviceConnectionId: id }).getToken(),
        new RegExp(
          String.raw`^CredentialError: Azure DevOps issued no OIDC token for service connection ${id} \(HTTP 400: ${text}\) ${IDS}: ` +
            String.raw`the id must name an Azure Resource Manager service connection of this project that uses workload identity federation \(convert one that uses a secret or certificate to workload identity federation\), referenced by a task of the current stage$`,
        ),
      );
      assert.deepEqual(
        ado.requests.map((r) => [r.serviceConnectionId, r.status]),
        [[id, 400]],
      );
    });
  }

  it("a 200 without an oidcToken is refused, naming the fields it had, not their values", async () => {
    ado.omitOidcToken = true;
    await assert.rejects(
      credential().getToken(),
      new RegExp(
        String.raw`^CredentialError: Azure DevOps answered the OIDC token request for service connection ${FEDERATED.id} without an oidcToken \(HTTP 200 and the fields oidcToken \(null\)\) ${IDS}$`,
      ),
    );
    assert.equal(entra.tokenRequests.length, 0);
  });

  it("Azure DevOps out of reach: the network's own reason, and what to check", async () => {
    await assert.rejects(
      credential({
        requestUri: "https://127.0.0.1:1/contoso-partner/p/_apis/distributedtask/hubs/build/plans/x/jobs/y/oidctoken",
      }).getToken(),
      new RegExp(
        String.raw`^CredentialError: Azure DevOps could not be reached at https://127\.0\.0\.1:1 for an OIDC token for service connection ${FEDERATED.id} \(ECONNREFUSED: .*\): check the network, HTTPS_PROXY/NO_PROXY and SYSTEM_OIDCREQUESTURI$`,
      ),
    );
  });

  it("an answer that never comes ends at the deadline", async () => {
    ado.stall = true;
    await assert.rejects(
      credential({ timeoutMs: 300 }).getToken(),
      new RegExp(
        String.raw`^CredentialError: Azure DevOps at https://127\.0\.0\.1:\d+ did not answer the OIDC token request for service connection ${FEDERATED.id} within 0\.3 s$`,
      ),
    );
    assert.equal(ado.requests.length, 1, "the request was made, and its answer not awaited past the deadline");
  });

  it("an endless answer is cut off, not buffered", async () => {
    const huge = await startLoopbackServer((_req, res) => answerJson(res, { oidcToken: "x".repeat(1024 * 1024) }));
    try {
      await assert.rejects(
        azurePipelinesAssertion(settings({ requestUri: `${huge.origin}/org/p/oidctoken` }), dispatcher)(),
        /^CredentialError: Azure DevOps' answer to the OIDC token request for service connection .* was not read: the answer's body is larger than 262144 bytes; it was not read$/,
      );
    } finally {
      await huge.stop();
    }
  });

  it("a SYSTEM_OIDCREQUESTURI that is not a URL, or not https, is refused before anything is sent", () => {
    assert.throws(
      () => azurePipelinesAssertion(settings({ requestUri: "$(System.OidcRequestUri)" }), dispatcher),
      /^CredentialError: SYSTEM_OIDCREQUESTURI \("\$\(System\.OidcRequestUri\)"\) is not a URL: map it/,
    );
    assert.throws(
      () => azurePipelinesAssertion(settings({ requestUri: "http://dev.azure.com/org/p/oidctoken" }), dispatcher),
      /^CredentialError: SYSTEM_OIDCREQUESTURI \(http:\/\/dev\.azure\.com\) is not an https URL; the pipeline's SYSTEM_ACCESSTOKEN is not sent over it$/,
    );
  });

  it("the OIDC token fetched is remembered as a secret, so no message can show it", async () => {
    const token = await azurePipelinesAssertion(settings(), dispatcher)();
    assert.equal(token, ado.requests[0]!.oidcToken);
    assert.equal(redactSecrets(`Entra said: ${token}.`), "Entra said: [secret].");
  });

  it("neither the SYSTEM_ACCESSTOKEN nor the OIDC token appears in a message, though Azure DevOps and Entra ID quote the request back", async () => {
    ado.echoRequestsInErrors = true;
    entra.echoRequestsInErrors = true;
    const refused: string[] = [];
    for (const failing of [
      credential({ serviceConnectionId: UNKNOWN_ID }),
      credential({ accessToken: new Secret(`${ado.accessToken}-revoked`) }),
    ]) {
      await assert.rejects(failing.getToken(), (error: Error) => (refused.push(error.message), true));
    }
    // The subject Entra ID expects is another service connection's: Entra refuses the assertion and quotes it.
    entra.registerApp({
      clientId: CLIENT_ID,
      federated: [{ issuer: ado.issuer, subject: ado.subjectOf("another-connection") }],
    });
    await assert.rejects(credential().getToken(), (error: Error) => (refused.push(error.message), true));

    const oidcToken = ado.requests[2]!.oidcToken!;
    assert.match(
      refused[0]!,
      /No service connection found with identifier .* \(request: authorization: Bearer \[secret\]; POST /,
      "Azure DevOps quoted the request: its access token is redacted",
    );
    assert.match(refused[1]!, /HTTP 401: TF400813: .* \(request: authorization: Bearer \[secret\]; POST /);
    assert.match(
      refused[2]!,
      /Microsoft Entra ID refused the Azure Pipelines OIDC token .*AADSTS70021: .*client_assertion=\[secret\]/,
      "Entra ID quoted the OIDC token: it is redacted",
    );
    for (const message of refused) {
      assert.ok(!message.includes(ado.accessToken), `no SYSTEM_ACCESSTOKEN in: ${message}`);
      assert.ok(
        !message.includes(oidcToken) && !message.includes(oidcToken.split(".")[2]!),
        `no OIDC token in: ${message}`,
      );
    }
  });
});

/** `text` as a regular expression matching it literally. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
