#!/usr/bin/env node
/**
 * `partnercenter-emulator` (in this repository, `npm run emulator --`): a local Partner Center on 127.0.0.1 for
 * demos, quick starts and manual testing. Prints the endpoint and a development access token.
 */
import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EntraEmulator } from "./entra/server";
import { EMULATOR_CA, TEST_CLIENT_CERTIFICATE, TEST_CLIENT_KEY } from "./entra/testPki";
import { FEDERATED_AUDIENCE, GITHUB_ISSUER } from "./entra/tokens";
import type { FaultSettings } from "./faults";
import { parseRateLimit, type RateLimit } from "./rateLimits";
import { DEMO_CUSTOMERS, generateCustomers } from "./seed";
import { PartnerCenterEmulator } from "./server";
import { APP_ONLY, type TokenIdentity } from "./usage";

const USAGE = `usage: partnercenter-emulator [--port 8787] [--customers N] [--state FILE] [--token TOKEN] [--bom]
  --port N        port on 127.0.0.1 (default 8787; 0 picks a free one)
  --customers N   seed N generated customers instead of the demo customers
  --state FILE    keep customers and budgets in FILE (read at start, rewritten on change)
  --token TOKEN   the bearer token to require (random by default)
  --bom           prefix JSON bodies with a UTF-8 byte order mark, as some real responses do
  --entra-port N  port of the emulated Entra ID (HTTPS; default: --port + 1, or a free one with --port 0)
fault injection:
  --latency MS | MIN-MAX       delay every answer by MS, or uniformly between MIN and MAX ms
  --rate-limit LIMIT           partner-wide limit (429 with Retry-After beyond it), one of:
                                 N or bucket:N[:BURST]  token bucket, N requests/s, bursts of BURST (default N)
                                 fixed:QUOTA/SECONDS    QUOTA requests per fixed window; Retry-After = rest of the window
                                 sliding:QUOTA/SECONDS  QUOTA requests within any window; Retry-After = until a slot frees
  --customer-rate-limit LIMIT  the same, per customer
  --error-rate F               fraction answered 500/502/503/504 (gateway ones with HTML or empty bodies)
  --drop-rate F                fraction whose connection is dropped without an answer
  --malformed-rate F           fraction of successful answers sent as truncated JSON
  --slow-body-rate F           fraction of successful answers whose body stalls half-way
  --slow-body-ms MS            how long a slow body stalls (default 60000)
  --seed N                     seed of the random choices, to repeat a run`;

function fail(message: string): never {
  console.error(`emulator: ${message}\n${USAGE}`);
  process.exit(2);
}

function fraction(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) fail(`--${name} must be a fraction from 0 to 1, not ${JSON.stringify(text)}`);
  return value;
}

function latency(text: string | undefined): FaultSettings["latencyMs"] {
  if (text === undefined) return undefined;
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) {
    const [min, max] = [Number(range[1]), Number(range[2])];
    if (min > max) fail(`--latency range ${text} runs backwards`);
    return { min, max };
  }
  return wholeNumber(text, "latency", 0, 0);
}

function faultSettings(values: Record<string, string | boolean | undefined>): FaultSettings {
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const rate = (name: string): RateLimit | undefined => {
    const given = text(name);
    if (given === undefined) return undefined;
    const limit = parseRateLimit(given);
    return typeof limit === "string" ? fail(`--${name}: ${limit}`) : limit;
  };
  return {
    latencyMs: latency(text("latency")),
    partnerRateLimit: rate("rate-limit"),
    customerRateLimit: rate("customer-rate-limit"),
    serverErrorRate: fraction(text("error-rate"), "error-rate"),
    dropRate: fraction(text("drop-rate"), "drop-rate"),
    malformedRate: fraction(text("malformed-rate"), "malformed-rate"),
    slowBodyRate: fraction(text("slow-body-rate"), "slow-body-rate"),
    slowBodyMs:
      text("slow-body-ms") === undefined ? undefined : wholeNumber(text("slow-body-ms"), "slow-body-ms", 0, 0),
    seed: text("seed") === undefined ? undefined : wholeNumber(text("seed"), "seed", 0, 0),
  };
}

function wholeNumber(text: string | undefined, name: string, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    fail(`--${name} must be a whole number of at least ${min}, not ${JSON.stringify(text)}`);
  return value;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        customers: { type: "string" },
        state: { type: "string" },
        token: { type: "string" },
        bom: { type: "boolean" },
        latency: { type: "string" },
        "rate-limit": { type: "string" },
        "customer-rate-limit": { type: "string" },
        "error-rate": { type: "string" },
        "drop-rate": { type: "string" },
        "malformed-rate": { type: "string" },
        "slow-body-rate": { type: "string" },
        "slow-body-ms": { type: "string" },
        seed: { type: "string" },
        "entra-port": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = wholeNumber(values.port, "port", 8787, 0);
  const count = values.customers === undefined ? undefined : wholeNumber(values.customers, "customers", 0, 1);
  const entraPort =
    values["entra-port"] === undefined
      ? port === 0
        ? 0
        : port + 1
      : wholeNumber(values["entra-port"], "entra-port", 0, 0);
  const clientId = randomUUID();
  const clientSecret = `emulator-secret-${randomUUID()}`;
  // Partner Center starts first so that, when an earlier emulator still holds both ports, the error names the port
  // the user chose; its token check reaches Entra's verifier once that has started.
  let verify: (token: string) => string | undefined = () => "the emulated Entra ID has not started";
  let identify: (token: string) => TokenIdentity = () => APP_ONLY;
  const emulator = await startOn("Partner Center emulator", port, "--port", () =>
    PartnerCenterEmulator.start({
      port,
      customers: count === undefined ? DEMO_CUSTOMERS : generateCustomers(count),
      statePath: values.state,
      accessToken: values.token,
      byteOrderMark: values.bom,
      faults: faultSettings(values),
      tokenVerifier: (token) => verify(token),
      tokenIdentity: (token) => identify(token),
    }),
  );
  const entra = await startOn("emulated Entra ID", entraPort, "--entra-port", () =>
    EntraEmulator.start({
      port: entraPort,
      apps: [
        {
          clientId,
          secret: clientSecret,
          certificate: TEST_CLIENT_CERTIFICATE,
          federated: [{ issuer: GITHUB_ISSUER, subject: EMULATED_WORKFLOW, audience: FEDERATED_AUDIENCE }],
        },
      ],
    }),
  ).catch(async (error: unknown) => {
    await emulator.stop();
    throw error;
  });
  verify = entra.tokenVerifier();
  identify = entra.tokenIdentity();
  const caFile = join(tmpdir(), "pulumi-partnercenter-emulator-ca.pem");
  writeFileSync(caFile, EMULATOR_CA);
  const certificateFile = join(tmpdir(), "pulumi-partnercenter-emulator-client.pem");
  writeFileSync(certificateFile, `${TEST_CLIENT_CERTIFICATE}${TEST_CLIENT_KEY}`, { mode: 0o600 });
  console.log(`Partner Center emulator listening on ${emulator.endpoint}`);
  console.log(
    `${describeCustomers(emulator.customers())}${values.state ? `; state in ${values.state}` : "; in memory"}`,
  );
  const faults = Object.entries(faultSettings(values)).filter(([, value]) => value !== undefined);
  if (faults.length > 0)
    console.log(`injecting: ${faults.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(", ")}`);
  console.log("Point the provider at it with the development token (not a secret):");
  console.log(`  export PARTNERCENTER_ENDPOINT=${emulator.endpoint}`);
  console.log(`  export PARTNERCENTER_ACCESS_TOKEN=${emulator.accessToken}`);
  console.log("Play someone changing a budget in the portal (recorded in the activity log under that user):");
  console.log(
    `  curl -X PATCH -H "authorization: Bearer ${emulator.accessToken}" -d '{"amount": 4000, "user": "jane@partner.onmicrosoft.com"}' ${emulator.endpoint}/_emulator/portal/customers/<customer id>/usagebudget`,
  );
  console.log(
    `or with a client secret through the emulated Entra ID at ${entra.authority} (test CA, trust it for this shell only):`,
  );
  console.log(`  export NODE_EXTRA_CA_CERTS=${caFile}`);
  console.log(`  export PARTNERCENTER_ENDPOINT=${emulator.endpoint} PARTNERCENTER_AUTHORITY=${entra.authority}`);
  console.log(
    `  export AZURE_TENANT_ID=${entra.tenantId} AZURE_CLIENT_ID=${clientId} AZURE_CLIENT_SECRET=${clientSecret}`,
  );
  console.log("or, instead of the secret, the app's certificate (a test key, not a secret):");
  console.log(`  export AZURE_CLIENT_CERTIFICATE_PATH=${certificateFile}`);
  console.log("or a GitHub Actions OIDC token (the federated credential trusts this emulated workflow):");
  console.log(
    `  export ACTIONS_ID_TOKEN_REQUEST_URL='${entra.githubRequestUrl}' ACTIONS_ID_TOKEN_REQUEST_TOKEN=${entra.githubRequestToken}`,
  );
  console.log(
    "or App+User signed in with MFA, which also reads month-to-date spend (docs/spend.md), with the secret and NODE_EXTRA_CA_CERTS above:",
  );
  console.log(`  export PARTNERCENTER_REFRESH_TOKEN=${entra.issueRefreshToken(clientId, { mfa: true })}`);
  console.log("Play a customer's month-to-date use changing:");
  console.log(
    `  curl -X PATCH -H "authorization: Bearer ${emulator.accessToken}" -d '{"spend": 1234.56, "currency": "EUR"}' ${emulator.endpoint}/_emulator/usage/customers/<customer id>`,
  );
  const stop = (): void => void Promise.all([emulator.stop(), entra.stop()]).then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

/** The GitHub workflow whose OIDC tokens the emulated app's federated credential trusts. */
const EMULATED_WORKFLOW = "repo:emulated-org/budgets:ref:refs/heads/main";

/** Starts a server, turning a port already in use into a message that names the server, the port and the flag. */
async function startOn<T>(what: string, port: number, flag: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    throw new Error(
      `the ${what}'s port ${port} on 127.0.0.1 is already in use (an emulator still running?): stop that process, or choose another port with ${flag} (0 picks a free one)`,
    );
  }
}

/** The banner's customer count, saying how many a partner can manage (export and diff skip the others). */
function describeCustomers(customers: readonly { relationship: boolean }[]): string {
  const managed = customers.filter((customer) => customer.relationship).length;
  const other = customers.length - managed;
  return `customers: ${customers.length}${other === 0 ? "" : ` (${managed} with a reseller relationship; ${other} without one, which the customer list omits and whose budget Partner Center refuses with 403, code 20002)`}`;
}

main().catch((error: unknown) => fail((error as Error).message));
