#!/usr/bin/env node
/**
 * `npm run emulator`: a local Partner Center on 127.0.0.1 for demos and manual
 * testing. Prints the endpoint and a development access token.
 */
import { parseArgs } from "node:util";
import { DEMO_CUSTOMERS, generateCustomers } from "./seed";
import { PartnerCenterEmulator } from "./server";

const USAGE = `usage: npm run emulator -- [--port 8787] [--customers N] [--state FILE] [--token TOKEN] [--bom]
  --port N        port on 127.0.0.1 (default 8787; 0 picks a free one)
  --customers N   seed N generated customers instead of the demo customers
  --state FILE    keep customers and budgets in FILE (read at start, rewritten on change)
  --token TOKEN   the bearer token to require (random by default)
  --bom           prefix JSON bodies with a UTF-8 byte order mark, as some real responses do`;

function fail(message: string): never {
  console.error(`emulator: ${message}\n${USAGE}`);
  process.exit(2);
}

function wholeNumber(text: string | undefined, name: string, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) fail(`--${name} must be a whole number of at least ${min}, not ${JSON.stringify(text)}`);
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
  const emulator = await PartnerCenterEmulator.start({
    port,
    customers: count === undefined ? DEMO_CUSTOMERS : generateCustomers(count),
    statePath: values.state,
    accessToken: values.token,
    byteOrderMark: values.bom,
  });
  console.log(`Partner Center emulator listening on ${emulator.endpoint}`);
  console.log(`customers: ${emulator.customers().length}${values.state ? `, state in ${values.state}` : ", in memory"}`);
  console.log("Point the provider at it (development token, not a secret):");
  console.log(`  export PARTNERCENTER_ENDPOINT=${emulator.endpoint}`);
  console.log(`  export PARTNERCENTER_ACCESS_TOKEN=${emulator.accessToken}`);
  const stop = (): void => void emulator.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => fail((error as Error).message));
