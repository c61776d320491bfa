/**
 * Every credential mode of the table (provider/settings/credentialModes.ts),
 * forced, with a canary in each secret the table gives it and nothing else
 * secret: built from those alone (else the table misses one of its secrets),
 * each canary read as a secret, and none shown by the settings, the
 * credential or the refusal, though Entra ID and Azure DevOps quote the
 * request back. A mode added to the table is covered here with no change.
 */
import { strict as assert } from "node:assert";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { Agent } from "undici";
import {
  AzureDevOpsEmulator,
  EMULATOR_CA,
  EntraEmulator,
  TEST_CLIENT_CERTIFICATE,
  TEST_CLIENT_KEY,
} from "pulumi-partnercenter/emulator";
import { AUTH_MODES } from "../../provider/settings/credentialModes";
import { credentialFromSettings } from "../../provider/settings/credentials";
import { resolveSettings } from "../../provider/settings/settings";
import { redactSecrets } from "../../provider/shared/secret";
import { canariesOf, placed, placeName } from "../support/secretCanaries";
import { FEDERATED_CONNECTION, PIPELINE_CLIENT_ID } from "../support/serviceConnection";

const CLIENT_ID = PIPELINE_CLIENT_ID;
const CONNECTION = FEDERATED_CONNECTION;
/** A line from the middle of the private key: proof that the key itself leaked. */
const KEY_LINE = TEST_CLIENT_KEY.split("\n")[5]!;

describe("no credential mode shows its secrets: a canary in each secret the modes' table declares", () => {
  let entra: EntraEmulator;
  let ado: AzureDevOpsEmulator;
  let dispatcher: Agent;
  let dir: string;

  beforeEach(async () => {
    entra = await EntraEmulator.start({
      apps: [{ clientId: CLIENT_ID, secret: "the-registered-secret" }],
      echoRequestsInErrors: true,
    });
    ado = await AzureDevOpsEmulator.start({
      signer: entra,
      serviceConnections: [CONNECTION],
      echoRequestsInErrors: true,
    });
    dispatcher = new Agent({ connect: { ca: EMULATOR_CA } });
    dir = mkdtempSync(join(tmpdir(), "pc-canary-"));
  });

  afterEach(async () => {
    await dispatcher.close();
    await ado.stop();
    await entra.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What every mode may need besides its secrets: the app, the authority, the token file, the OIDC endpoints, the service connection. */
  function plainSettings(): { config: Record<string, string>; env: Record<string, string> } {
    const tokenFile = join(dir, "federated-token");
    writeFileSync(tokenFile, "canary-federated-token-file-7ac3");
    return {
      config: {
        "partnercenter:tenantId": entra.tenantId,
        "partnercenter:clientId": CLIENT_ID,
        "partnercenter:authority": entra.authority,
        "partnercenter:federatedTokenFile": tokenFile,
        "partnercenter:oidcRequestUrl": entra.githubRequestUrl,
        "partnercenter:adoServiceConnectionId": CONNECTION.id,
      },
      env: { SYSTEM_OIDCREQUESTURI: ado.oidcRequestUri },
    };
  }

  for (const mode of AUTH_MODES) {
    for (const source of ["config", "env"] as const) {
      it(`${mode}, its secrets from ${source}: built from them alone, each read as a secret, none shown even when the request is quoted back`, async () => {
        const canaries = canariesOf(mode);
        const values = new Map(canaries);
        // A certificate must be one: the test's, its key encrypted with the password's canary.
        const password = canaries.get("clientCertificatePassword");
        if (values.has("clientCertificate")) {
          const key = password
            ? createPrivateKey(TEST_CLIENT_KEY)
                .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: password })
                .toString()
            : TEST_CLIENT_KEY;
          values.set("clientCertificate", `${TEST_CLIENT_CERTIFICATE}${key}`);
        }
        const plain = plainSettings();
        const secrets = placed(values, source);
        const config: Record<string, string> = { ...plain.config, ...secrets.config, "partnercenter:auth": mode };
        const settings = resolveSettings({ get: (key) => config[key] }, { ...plain.env, ...secrets.env });
        for (const [place, value] of values)
          assert.equal(redactSecrets(`<${value}>`), "<[secret]>", `${placeName(place)} is read as a secret`);

        const credential = credentialFromSettings(settings, dispatcher);
        const failure = await credential.getToken().then(
          () => "",
          (error: Error) => error.message,
        );
        if (mode !== "accessToken")
          assert.match(
            failure,
            /Microsoft Entra ID refused|GitHub Actions gave no OIDC token|Azure DevOps/,
            `${mode} is refused`,
          );
        const shown = [
          inspect(settings, { depth: 10 }),
          JSON.stringify(settings),
          credential.description,
          failure,
        ].join("\n");
        for (const value of [...values.values(), KEY_LINE])
          assert.ok(!shown.includes(value), `${mode} shows ${value.slice(0, 40)}… in: ${shown.slice(-2000)}`);
      });
    }
  }
});
