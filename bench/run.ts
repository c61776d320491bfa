/**
 * `npm run bench [-- --json] [--quick] [--n N] [--latency MS] [--rate-limit N] [--max-concurrency N] [--baseline none|create|all]`
 *
 * Runs a program declaring N budgets through the engine model (test/engine/model:
 * the real program, the real provider host, the engine's scheduling and passes,
 * `--parallel` as given or the CLI's default), against the emulator with a
 * partner-wide rate limit and latency, and measures each command against the
 * bound the service sets. Then does the same work with a plain sequential
 * loop, as a partner's script would.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateCustomers, PartnerCenterEmulator, type EmulatorOptions, type RecordedRequest } from "pulumi-partnercenter/emulator";
import { StaticTokenCredential } from "../provider/client/auth";
import { PartnerCenterClient } from "../provider/client/partnerCenter";
import { Throttle } from "../provider/client/throttle";
import { systemClock } from "../provider/client/clock";
import { sameAmount } from "../provider/inputs";
import { Secret } from "../provider/secret";
import { defaultParallel } from "../test/engine/model/pulumi";
import type { ProviderHost } from "../test/engine/providerHost";
import { EntraFixture } from "../test/engine/entraFixture";
import type { DeclaredBudget, TestStack } from "../test/engine/stack";
import { plotRequestRate } from "./plot";
import { readProcessStats } from "./processStats";

interface PhaseFigures {
  phase: string;
  wallSeconds: number;
  requests: { GET: number; PATCH: number };
  throttled: number;
  retries: number;
  failures: number;
  fewestRequests: number;
  boundSeconds: number;
  ratio: number | null;
  connections: number;
  hostCpuMs: number;
  hostCpuMsPerOperation: number;
}

function options() {
  const { values } = parseArgs({
    options: {
      n: { type: "string" },
      latency: { type: "string" },
      "rate-limit": { type: "string" },
      "max-concurrency": { type: "string" },
      baseline: { type: "string" },
      quick: { type: "boolean" },
      parallel: { type: "string" },
      json: { type: "boolean" },
      out: { type: "string" },
    },
  });
  const number = (text: string | undefined, fallback: number, name: string): number => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, not ${JSON.stringify(text)}`);
    return value;
  };
  const baseline = values.baseline ?? "create";
  if (!["none", "create", "all"].includes(baseline)) throw new Error(`--baseline must be none, create or all, not ${JSON.stringify(baseline)}`);
  return {
    n: number(values.n, values.quick ? 100 : 1000, "n"),
    latencyMs: number(values.latency, 40, "latency"),
    rateLimit: number(values["rate-limit"], 100, "rate-limit"),
    maxConcurrency: values["max-concurrency"],
    parallel: number(values.parallel, defaultParallel(), "parallel"),
    baseline: baseline as "none" | "create" | "all",
    json: values.json ?? false,
    out: resolve(values.out ?? join(__dirname, "../../bench/out")),
  };
}

function figuresFor(phase: string, requests: RecordedRequest[], wallMs: number, failures: number, fewestRequests: number, rateLimit: number, connections: number, cpuMs: number, operations: number): PhaseFigures {
  const boundSeconds = fewestRequests / rateLimit;
  const wallSeconds = wallMs / 1000;
  return {
    phase,
    wallSeconds,
    requests: { GET: requests.filter((r) => r.method === "GET").length, PATCH: requests.filter((r) => r.method === "PATCH").length },
    throttled: requests.filter((r) => r.status === 429).length,
    retries: requests.length - new Set(requests.map((r) => r.headers["ms-requestid"])).size,
    failures,
    fewestRequests,
    boundSeconds,
    ratio: fewestRequests === 0 ? null : boundSeconds / wallSeconds,
    connections,
    hostCpuMs: cpuMs,
    hostCpuMsPerOperation: operations === 0 ? 0 : cpuMs / operations,
  };
}

/** The provider hosts' CPU time and peak RSS, read from each host process just before the model stops it. */
const hostStats = { cpuMs: 0, peakRssBytes: 0 };
function recordHost(host: ProviderHost): void {
  const stats = readProcessStats(host.pid);
  hostStats.cpuMs += stats.cpuMs;
  hostStats.peakRssBytes = Math.max(hostStats.peakRssBytes, stats.peakRssBytes);
}

async function measure(stack: TestStack, phase: string, fewestRequests: number, rateLimit: number, operations: number, run: () => Promise<{ errors: string[] }>): Promise<{ figures: PhaseFigures; requests: RecordedRequest[] }> {
  const firstRequest = stack.emulator.requests.length;
  const connectionsBefore = stack.emulator.connectionsOpened;
  const cpuBefore = hostStats.cpuMs;
  const started = performance.now();
  const result = await run();
  const wallMs = performance.now() - started;
  const requests = stack.emulator.requests.slice(firstRequest);
  const cpuMs = hostStats.cpuMs - cpuBefore;
  const connections = stack.emulator.connectionsOpened - connectionsBefore;
  return { figures: figuresFor(phase, requests, wallMs, result.errors.length, fewestRequests, rateLimit, connections, cpuMs, operations), requests };
}

/** The sequential loop a partner's script would run: one request at a time, Retry-After honoured (by the same client). */
async function baseline(emulatorOptions: EmulatorOptions, work: "create" | "all", n: number, rateLimit: number, amountOf: (index: number, phase: number) => number): Promise<PhaseFigures[]> {
  const emulator = await PartnerCenterEmulator.start(emulatorOptions);
  const client = new PartnerCenterClient({
    endpoint: emulator.endpoint,
    credential: new StaticTokenCredential(new Secret(emulator.accessToken)),
    throttle: new Throttle(1, systemClock),
  });
  const customers = emulator.customers();
  const results: PhaseFigures[] = [];
  const phase = async (name: string, fewest: number, step: (id: string, index: number) => Promise<unknown>): Promise<void> => {
    const first = emulator.requests.length;
    const connections = emulator.connectionsOpened;
    const started = performance.now();
    let failures = 0;
    for (const [index, customer] of customers.entries()) await step(customer.id, index).catch(() => (failures += 1));
    const requests = emulator.requests.slice(first);
    results.push(figuresFor(`baseline ${name}`, requests, performance.now() - started, failures, fewest, rateLimit, emulator.connectionsOpened - connections, 0, 0));
  };
  try {
    await phase("up (create)", 2 * n, async (id, index) => {
      const operation = client.startOperation();
      const { amount } = await client.getBudget(id, operation);
      if (!sameAmount(amount, amountOf(index, 1))) await client.patchBudget(id, amountOf(index, 1), operation);
    });
    if (work === "all") {
      await phase("refresh", n, (id) => client.getBudget(id, client.startOperation()));
      await phase("up (update)", n, (id, index) => client.patchBudget(id, amountOf(index, 2), client.startOperation()));
    }
  } finally {
    await client.close();
    await emulator.stop();
  }
  return results;
}

function table(rows: PhaseFigures[]): string {
  const header = ["phase", "wall s", "GET", "PATCH", "429s", "retries", "failures", "bound s", "bound/wall", "TCP conns", "host CPU ms", "CPU ms/op"];
  const lines = rows.map((r) => [
    r.phase,
    r.wallSeconds.toFixed(2),
    String(r.requests.GET),
    String(r.requests.PATCH),
    String(r.throttled),
    String(r.retries),
    String(r.failures),
    r.boundSeconds.toFixed(2),
    r.ratio === null ? "n/a (0 needed)" : r.ratio.toFixed(3),
    String(r.connections),
    r.hostCpuMs ? r.hostCpuMs.toFixed(0) : "-",
    r.hostCpuMs ? r.hostCpuMsPerOperation.toFixed(3) : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [row(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(row)].join("\n");
}

async function main(): Promise<void> {
  const opts = options();
  const amountOf = (index: number, phase: number): number => phase * 10_000 + index + 0.5;
  const emulatorOptions: EmulatorOptions = {
    customers: generateCustomers(opts.n),
    faults: { latencyMs: opts.latencyMs, partnerRateLimit: { perSecond: opts.rateLimit } },
  };
  const log = (text: string): void => void (opts.json ? process.stderr : process.stdout).write(`${text}\n`);
  log(`bench: ${opts.n} budgets through the engine model at --parallel ${opts.parallel}, ${opts.latencyMs} ms latency, partner limit ${opts.rateLimit} requests/s; ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`);

  // The provider authenticates as partners do: a client secret through (emulated) Entra ID and MSAL.
  const clientId = "7c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
  const fixture = await EntraFixture.start([{ clientId, secret: "bench-client-secret" }]);
  const stack = await fixture.startStack({
    beforeHostStop: recordHost,
    emulator: emulatorOptions,
    config: {
      ...fixture.appSettings(clientId),
      "partnercenter:clientSecret": { value: "bench-client-secret", secret: true },
      ...(opts.maxConcurrency ? { "partnercenter:maxConcurrency": { value: opts.maxConcurrency } } : {}),
    },
  });
  const phases: PhaseFigures[] = [];
  let createRequests: RecordedRequest[] = [];
  let stateBytesPerResource = 0;
  let providerBytes = 0;
  try {
    const customers = stack.emulator.customers();
    const program = (phase: number): DeclaredBudget[] => customers.map((c, i) => stack.budget(`budget-${i}`, { customerId: c.id, amount: amountOf(i, phase) }));
    const n = customers.length;

    const create = await measure(stack, "up (create)", 2 * n, opts.rateLimit, n, () => stack.engine.up(program(1), { parallel: opts.parallel }));
    phases.push(create.figures);
    createRequests = create.requests;
    log(`  up (create) done in ${create.figures.wallSeconds.toFixed(1)} s`);
    phases.push((await measure(stack, "preview (no-op)", 0, opts.rateLimit, n, () => stack.engine.preview(program(1), { parallel: opts.parallel }))).figures);
    customers.filter((_, i) => i % 10 === 0).forEach((c, i) => stack.emulator.setBudget(c.id, 777_000 + i));
    const refresh = await measure(stack, "preview --refresh (10% drift)", n, opts.rateLimit, n, () => stack.engine.preview(program(1), { refresh: true, parallel: opts.parallel }));
    phases.push(refresh.figures);
    log(`  preview --refresh done in ${refresh.figures.wallSeconds.toFixed(1)} s`);
    phases.push((await measure(stack, "up (update)", n, opts.rateLimit, n, () => stack.engine.up(program(2), { parallel: opts.parallel }))).figures);
    stateBytesPerResource = Buffer.byteLength(JSON.stringify([...stack.engine.state.values()])) / n;
    providerBytes = Buffer.byteLength(String([...stack.engine.state.values()][0]?.inputs.__provider ?? ""));
  } finally {
    await fixture.stop();
  }
  const tokenAcquisitions = fixture.entra.tokenRequests.filter((r) => r.issued).length;
  const hostPeakRss = hostStats.peakRssBytes;
  const baselinePhases = opts.baseline === "none" ? [] : await baseline(emulatorOptions, opts.baseline, opts.n, opts.rateLimit, amountOf);
  const result = {
    conditions: { budgets: opts.n, parallel: opts.parallel, engine: "test/engine/model (preview pass + update pass per up)", latencyMs: opts.latencyMs, rateLimitPerSecond: opts.rateLimit, maxConcurrency: opts.maxConcurrency ?? "default", cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    phases,
    baseline: baselinePhases.map((b) => ({ ...b, speedup: b.wallSeconds / (phases.find((p) => `baseline ${p.phase}` === b.phase)?.wallSeconds ?? Number.NaN) })),
    perResource: { providerBytes, stateBytes: Math.round(stateBytesPerResource) },
    tokenAcquisitions,
    credential: "client secret through the emulated Entra ID (MSAL)",
    hostPeakRssBytes: hostPeakRss,
  };
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, "bench.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(opts.out, "create-rate.svg"), plotRequestRate(createRequests, `up creating ${opts.n} budgets: requests/s and 429s/s`, opts.rateLimit));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  log("");
  log(table([...phases, ...baselinePhases]));
  log("");
  for (const b of result.baseline) log(`sequential baseline ${b.phase.replace("baseline ", "")}: ${b.wallSeconds.toFixed(1)} s, ${b.speedup.toFixed(1)}× the provider's wall time`);
  log(`__provider: ${result.perResource.providerBytes} bytes per resource; state: ${result.perResource.stateBytes} bytes per resource; host peak RSS ${(hostPeakRss / 2 ** 20).toFixed(0)} MiB; token acquisitions: ${tokenAcquisitions} (${result.credential})`);
  log(`written: ${join(opts.out, "bench.json")}, ${join(opts.out, "create-rate.svg")}`);
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
