/**
 * The emulated Entra ID matches a federated credential's audience as Entra ID
 * does (AADSTS700212), with api://AzureADTokenExchange when none is named:
 * Pulumi ESC's tokens carry `azure:<pulumi organization>`.
 */
import { strict as assert } from "node:assert";
import { Agent } from "undici";
import { EMULATOR_CA, EntraEmulator } from "pulumi-partnercenter/emulator";
import { federatedCredential } from "../../provider/client/auth/msalCredentials";

const CLIENT_ID = "5a0f1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const OTHER_CLIENT_ID = "7b1e2d3c-4a5f-4e6d-9c8b-1a2b3c4d5e6f";

describe("the emulated Entra ID matches a federated credential's audience", () => {
  const ISSUER = "https://api.pulumi.com/oidc";
  const SUBJECT = "pulumi:environments:org:acme:env:budgets/prod";
  let entra: EntraEmulator;
  let dispatcher: Agent;

  beforeEach(async () => {
    entra = await EntraEmulator.start({
      apps: [
        { clientId: CLIENT_ID, federated: [{ issuer: ISSUER, subject: SUBJECT, audience: "azure:acme" }] },
        { clientId: OTHER_CLIENT_ID, federated: [{ issuer: ISSUER, subject: SUBJECT }] },
      ],
    });
    dispatcher = new Agent({ connect: { ca: EMULATOR_CA } });
  });

  afterEach(async () => {
    await dispatcher.close();
    await entra.stop();
  });

  function tokenFor(clientId: string, audience: string) {
    const context = { tenantId: entra.tenantId, clientId, authority: entra.authority, dispatcher };
    return federatedCredential(context, "the Pulumi ESC token", async () =>
      entra.federatedToken(SUBJECT, ISSUER, audience),
    ).getToken();
  }

  it("accepts the audience the credential names, and refuses another with AADSTS700212", async () => {
    assert.equal(entra.tokenVerifier()((await tokenFor(CLIENT_ID, "azure:acme")).reveal()), undefined);
    await assert.rejects(
      tokenFor(CLIENT_ID, "api://AzureADTokenExchange"),
      /AADSTS700212: No matching federated identity record found for presented assertion audience 'api:\/\/AzureADTokenExchange'/,
    );
  });

  it("expects api://AzureADTokenExchange when the credential names no audience", async () => {
    assert.equal(
      entra.tokenVerifier()((await tokenFor(OTHER_CLIENT_ID, "api://AzureADTokenExchange")).reveal()),
      undefined,
    );
    await assert.rejects(
      tokenFor(OTHER_CLIENT_ID, "azure:acme"),
      /AADSTS700212: No matching federated identity record found for presented assertion audience 'azure:acme'/,
    );
  });
});
