/**
 * `npm run bench -- --scale …` runs the scale benchmark instead (bench/scale/main.ts).
 *
 * `npm run bench [-- --full] [--n N,…] [--limits L,…] [--latency MS,…] [--parallel P,…] [--baseline none|create|all] [--packages A.tgz,B.tgz] [--repeat R] [--json] [--out DIR]` (a limit `none` runs without one)
 *
 * `--packages` runs every cell once per packed build, side by side (the order alternating from cell to cell), and
 * `--repeat` runs the whole matrix R times; a comparison table then gives each build's median bound/window per cell.
 *
 * For each cell of (budget count × limit shape × latency × `--parallel`),
 * runs a program declaring N budgets through the real Pulumi CLI (an inline
 * program through `@pulumi/pulumi/automation`, the CLI's file backend, the
 * package installed from its packed tarball) against the emulator, and
 * measures three phases against their bound:
 * `up` creating every budget, `refresh` after 10 % drift, `up` updating every
 * budget. Then the same work as the plain sequential loop of a partner's
 * script. See {@link boundOf} for how a bound is computed.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  describeRateLimit,
  generateCustomers,
  parseRateLimit,
  PartnerCenterEmulator,
  sustainedRate,
  type EmulatorOptions,
  type Limiter,
  type RateLimit,
  type RecordedRequest,
} from "pulumi-partnercenter/emulator";
import { RequestScheduler } from "../provider/client/throttle/scheduler";
import { systemClock } from "../provider/client/clock";
import { emulatorClient } from "../test/support/clientFactory";
import { EntraFixture } from "../test/engine/entraFixture";
import { packedProject } from "../test/engine/packedProject";
import type { DeclaredBudget } from "../test/engine/stack";
import { earliestFinish } from "./bound";
import { describeCase, THROTTLE_CASES, throttleTable, measureThrottle } from "./throttleSimulation";
import { plotRequestRate } from "./plot";
import { ProcessSampler, type SampledStats } from "./processStats";
import { pulumiCli } from "../test/engine/stack";
import { runScale } from "./scale/main";

/** The path of the spend listing, read once per provider process beside the budget requests. */
const SPEND_LISTING = "/v1/customers/usagerecords";

/** The CLI's default `--parallel`: 4 × GOMAXPROCS, the number of CPUs (pkg/cmd/pulumi/operations/up.go `defaultParallel`, 3.274.1). */
function defaultParallel(): number {
  return 4 * cpus().length;
}

/**
 * The limit shapes of the default run and of `--full`: each averages 100 requests/s. Then `none`, no limit at all:
 * what the CLI, the program and the provider host reach on this machine when only the parallelism binds.
 */
const DEFAULT_LIMITS = ["bucket:100", "bucket:100:10", "fixed:600/6", "sliding:600/6", "none"];

/** One cell's conditions. */
interface Cell {
  /** How many budgets the program declares. */
  n: number;
  /** The partner-wide limit; undefined for none. */
  limit: RateLimit | undefined;
  latencyMs: number;
  parallel: number;
}

/** What one phase of one cell measured. */
interface PhaseFigures {
  phase: string;
  /** The command, start to end (program, preview pass, steps). */
  commandSeconds: number;
  /** From the phase's first request received to its last answered: the time the service's limit and the parallelism govern. */
  windowSeconds: number;
  requests: number;
  throttled: number;
  throttledShare: number;
  failures: number;
  fewestRequests: number;
  /** Requests for the spend listing (`/v1/customers/usagerecords`): one per provider process that creates or refreshes. */
  spendRequests: number;
  boundSeconds: number;
  binds: "limit" | "parallelism" | "none";
  ratio: number | null;
  hostCpuMsPerOperation: number;
  /** The CLI's own CPU time per operation. */
  cliCpuMsPerOperation: number;
}

/** One cell's figures. */
interface CellFigures {
  /** The build measured: a tarball's name, or "this tree". */
  build: string;
  /** Which pass of `--repeat` (1 first). */
  pass: number;
  n: number;
  limit: string;
  latencyMs: number;
  parallel: number;
  phases: PhaseFigures[];
  stateBytesPerResource: number;
  providerBytes: number;
  hostPeakRssBytes: number;
  cliPeakRssBytes: number;
}

function list(text: string | undefined, fallback: string[]): string[] {
  return text === undefined
    ? fallback
    : text
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
}

function options() {
  const { values } = parseArgs({
    options: {
      n: { type: "string" },
      limits: { type: "string" },
      latency: { type: "string" },
      parallel: { type: "string" },
      baseline: { type: "string" },
      packages: { type: "string" },
      repeat: { type: "string" },
      full: { type: "boolean" },
      json: { type: "boolean" },
      out: { type: "string" },
    },
  });
  const positive = (text: string, name: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`--${name} takes whole numbers above 0, not ${JSON.stringify(text)}`);
    return value;
  };
  const limits = list(values.limits, DEFAULT_LIMITS).map((text) => {
    if (text === "none") return undefined;
    const limit = parseRateLimit(text);
    if (typeof limit === "string") throw new Error(`--limits: ${limit}`);
    return limit;
  });
  const latencies = list(values.latency, values.full ? ["40", "300"] : ["40"]).map((text) => positive(text, "latency"));
  const parallels = list(values.parallel, values.full ? ["default", "16", "64"] : ["default"]).map((text) =>
    text === "default" ? defaultParallel() : positive(text, "parallel"),
  );
  const baseline = values.baseline ?? "create";
  if (!["none", "create", "all"].includes(baseline))
    throw new Error(`--baseline must be none, create or all, not ${JSON.stringify(baseline)}`);
  const counts = list(values.n, values.full ? ["200", "600", "2000"] : ["200"]).map((text) => positive(text, "n"));
  const cells: Cell[] = counts.flatMap((n) =>
    limits.flatMap((limit) =>
      latencies.flatMap((latencyMs) => parallels.map((parallel) => ({ n, limit, latencyMs, parallel }))),
    ),
  );
  const packages = list(values.packages, []).map((path) => {
    if (!path.endsWith(".tgz") || !existsSync(path))
      throw new Error(`--packages takes .tgz files, not ${JSON.stringify(path)}`);
    return resolve(path);
  });
  return {
    cells,
    packages,
    repeat: values.repeat === undefined ? 1 : positive(values.repeat, "repeat"),
    baseline: baseline as "none" | "create" | "all",
    json: values.json ?? false,
    out: resolve(values.out ?? join(__dirname, "../../bench/out")),
  };
}

/**
 * A phase's bound: the earliest it could finish from its first request (see
 * {@link earliestFinish}: the limit from the state it was in when the phase
 * started, and `--parallel` steps each sending its requests in turn). It
 * binds on the limit when that is later than parallelism alone allows.
 */
function boundOf(
  limiterAtStart: Limiter | undefined,
  firstRequest: number,
  requestsPerOperation: number[],
  cell: Cell,
): { seconds: number; binds: PhaseFigures["binds"] } {
  if (requestsPerOperation.length === 0) return { seconds: 0, binds: "none" };
  const both =
    earliestFinish(limiterAtStart, firstRequest, requestsPerOperation, cell.parallel, cell.latencyMs) - firstRequest;
  const parallelOnly =
    earliestFinish(undefined, firstRequest, requestsPerOperation, cell.parallel, cell.latencyMs) - firstRequest;
  return { seconds: both / 1000, binds: both > parallelOnly ? "limit" : "parallelism" };
}

/** The engine's processes the bench does not start itself, watched while a phase runs. */
const HOST_PROCESSES = /cmd\/dynamic-provider/;
const CLI_PROCESSES = /(^|\/)pulumi (up|refresh|preview|destroy) /;

interface PhaseWork {
  phase: string;
  /** The requests each operation cannot do without. */
  requestsPerOperation: number[];
  run: () => Promise<{ errors: string[] }>;
}

/** The largest peak RSS of the provider hosts and of the CLI in the current cell. */
const peaks = { host: 0, cli: 0 };

async function measure(
  emulator: PartnerCenterEmulator,
  cell: Cell,
  work: PhaseWork,
): Promise<{ figures: PhaseFigures; requests: RecordedRequest[] }> {
  const first = emulator.requests.length;
  const limiterAtStart = emulator.faults.partnerLimiterSnapshot();
  const hosts = new ProcessSampler(HOST_PROCESSES);
  const clis = new ProcessSampler(CLI_PROCESSES);
  const started = performance.now();
  let result: { errors: string[] };
  let host: SampledStats;
  let cli: SampledStats;
  try {
    result = await work.run();
  } finally {
    host = hosts.stop();
    cli = clis.stop();
  }
  const commandSeconds = (performance.now() - started) / 1000;
  peaks.host = Math.max(peaks.host, host.peakRssBytes);
  peaks.cli = Math.max(peaks.cli, cli.peakRssBytes);
  const all = emulator.requests.slice(first);
  // The spend listing (issue 24) is one partner-wide read per provider process, apart from the budget requests the
  // bound counts: a refresh of N budgets sends N + 1 requests, not 2N.
  const spendRequests = all.filter((r) => r.path.startsWith(SPEND_LISTING)).length;
  const requests = all.filter((r) => !r.path.startsWith(SPEND_LISTING));
  const firstTime = Math.min(...requests.map((r) => r.time));
  const windowSeconds =
    requests.length === 0 ? 0 : (Math.max(...requests.map((r) => r.time)) + cell.latencyMs - firstTime) / 1000;
  const throttled = requests.filter((r) => r.status === 429).length;
  const bound = boundOf(limiterAtStart, firstTime, work.requestsPerOperation, cell);
  const fewest = work.requestsPerOperation.reduce((sum, count) => sum + count, 0);
  const operations = work.requestsPerOperation.length;
  return {
    requests,
    figures: {
      phase: work.phase,
      commandSeconds,
      windowSeconds,
      requests: requests.length,
      spendRequests,
      throttled,
      throttledShare: requests.length === 0 ? 0 : throttled / requests.length,
      failures: result.errors.length,
      fewestRequests: fewest,
      boundSeconds: bound.seconds,
      binds: bound.binds,
      ratio: fewest === 0 || windowSeconds === 0 ? null : bound.seconds / windowSeconds,
      hostCpuMsPerOperation: operations === 0 ? 0 : host.cpuMs / operations,
      cliCpuMsPerOperation: operations === 0 ? 0 : cli.cpuMs / operations,
    },
  };
}

/** A limit in the command line's words, `none` for no limit. */
function limitName(limit: RateLimit | undefined): string {
  return limit ? describeRateLimit(limit) : "none";
}

/** The emulator's faults for a cell: its latency and, unless none, its partner-wide limit. */
function faultsOf(cell: Cell): NonNullable<EmulatorOptions["faults"]> {
  return { latencyMs: cell.latencyMs, ...(cell.limit ? { partnerRateLimit: cell.limit } : {}) };
}

const amountOf = (index: number, phase: number): number => phase * 10_000 + index + 0.5;
const CLIENT_ID = "7c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

/** One cell: a fresh emulator and stack, then create, refresh after 10 % drift, update. */
async function runCell(
  cell: Cell,
  project: { directory: string; build: string; pass: number },
  plotTo: string | undefined,
): Promise<CellFigures> {
  const projectDir = project.directory;
  const n = cell.n;
  peaks.host = 0;
  peaks.cli = 0;
  const emulatorOptions: EmulatorOptions = { customers: generateCustomers(n), faults: faultsOf(cell) };
  // The provider authenticates as partners who want spend do: App+User, a refresh token from an MFA sign-in and the
  // app's secret, through (emulated) Entra ID and MSAL. So spend is on: create and refresh read the usage records.
  const fixture = await EntraFixture.start([{ clientId: CLIENT_ID, secret: "bench-client-secret" }]);
  try {
    const stack = await fixture.startStack({
      projectDir,
      emulator: { ...emulatorOptions, tokenIdentity: fixture.entra.tokenIdentity() },
      config: {
        ...fixture.appSettings(CLIENT_ID),
        "partnercenter:clientSecret": { value: "bench-client-secret", secret: true },
        "partnercenter:refreshToken": {
          value: fixture.entra.issueRefreshToken(CLIENT_ID, { mfa: true }),
          secret: true,
        },
      },
    });
    const customers = stack.emulator.customers();
    const program = (phase: number): DeclaredBudget[] =>
      customers.map((c, i) => stack.budget(`budget-${i}`, { customerId: c.id, amount: amountOf(i, phase) }));
    const flags = cell.parallel === defaultParallel() ? {} : { parallel: cell.parallel };
    // Every tenth budget drifts; the refresh reads it and, to say who changed it, the activity log.
    const drifted = customers.filter((_, i) => i % 10 === 0);
    const phases: PhaseFigures[] = [];
    const create = await measure(stack.emulator, cell, {
      phase: "up (create)",
      requestsPerOperation: customers.map(() => 2),
      run: () => stack.engine.up(program(1), flags),
    });
    phases.push(create.figures);
    if (plotTo && cell.limit)
      writeFileSync(
        plotTo,
        plotRequestRate(
          create.requests,
          `up creating ${n} budgets under ${describeRateLimit(cell.limit)}: requests/s and 429s/s`,
          sustainedRate(cell.limit),
        ),
      );
    drifted.forEach((c, i) => stack.emulator.setBudget(c.id, 777_000 + i));
    // `refresh --yes --skip-preview`, as the Automation API runs it (sdk/nodejs/automation/stack.ts `Stack.refresh`).
    phases.push(
      (
        await measure(stack.emulator, cell, {
          phase: "refresh (10% drift)",
          requestsPerOperation: customers.map((_, i) => (i % 10 === 0 ? 2 : 1)),
          run: () => stack.engine.refresh(flags),
        })
      ).figures,
    );
    phases.push(
      (
        await measure(stack.emulator, cell, {
          phase: "up (update)",
          requestsPerOperation: customers.map(() => 1),
          run: () => stack.engine.up(program(2), flags),
        })
      ).figures,
    );
    const state = [...(await stack.engine.state()).values()];
    return {
      build: project.build,
      pass: project.pass,
      n,
      limit: limitName(cell.limit),
      latencyMs: cell.latencyMs,
      parallel: cell.parallel,
      phases,
      stateBytesPerResource: Math.round(Buffer.byteLength(JSON.stringify(state)) / n),
      providerBytes: Buffer.byteLength(String(state[0]?.inputs.__provider ?? "")),
      hostPeakRssBytes: peaks.host,
      cliPeakRssBytes: peaks.cli,
    };
  } finally {
    await fixture.stop();
  }
}

/** The sequential loop a partner's script would run: one request at a time, Retry-After honoured (by the same client). */
async function baseline(cell: Cell, work: "create" | "all", n: number): Promise<PhaseFigures[]> {
  const emulator = await PartnerCenterEmulator.start({ customers: generateCustomers(n), faults: faultsOf(cell) });
  const client = emulatorClient(emulator, { scheduler: new RequestScheduler(1, systemClock) });
  const customers = emulator.customers();
  const results: PhaseFigures[] = [];
  const sequentialCell = { ...cell, parallel: 1 };
  const phase = async (
    name: string,
    perOperation: number,
    step: (id: string, index: number) => Promise<unknown>,
  ): Promise<void> => {
    let failures = 0;
    const run = async (): Promise<{ errors: string[] }> => {
      for (const [index, customer] of customers.entries()) await step(customer.id, index).catch(() => (failures += 1));
      return { errors: new Array<string>(failures).fill("failed") };
    };
    results.push(
      (
        await measure(emulator, sequentialCell, {
          phase: `sequential ${name}`,
          requestsPerOperation: customers.map(() => perOperation),
          run,
        })
      ).figures,
    );
  };
  try {
    await phase("create", 2, async (id, index) => {
      const operation = client.startOperation();
      await client.getBudget(id, operation);
      await client.patchBudget(id, amountOf(index, 1), operation);
    });
    if (work === "all") {
      await phase("refresh", 1, (id) => client.getBudget(id, client.startOperation()));
      await phase("update", 1, (id, index) => client.patchBudget(id, amountOf(index, 2), client.startOperation()));
    }
  } finally {
    await client.close();
    await emulator.stop();
  }
  return results;
}

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((l) => (l[i] ?? "").length)));
  const row = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [row(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(row)].join("\n");
}

function table(cells: CellFigures[], baselines: PhaseFigures[]): string {
  const header = [
    "build",
    "pass",
    "budgets",
    "limit",
    "latency ms",
    "--parallel",
    "phase",
    "command s",
    "ms/budget",
    "window s",
    "bound s",
    "binds",
    "bound/window",
    "requests (budget + spend)",
    "429 share",
    "failures",
    "host CPU ms/op",
    "CLI CPU ms/op",
    "state B/res",
    "host peak MiB",
    "CLI peak MiB",
  ];
  const rows = cells.flatMap((cell) =>
    cell.phases.map((p) => [
      cell.build,
      String(cell.pass),
      String(cell.n),
      cell.limit,
      String(cell.latencyMs),
      String(cell.parallel),
      p.phase,
      p.commandSeconds.toFixed(2),
      ((p.commandSeconds * 1000) / cell.n).toFixed(1),
      p.windowSeconds.toFixed(2),
      p.boundSeconds.toFixed(2),
      p.binds,
      p.ratio === null ? "n/a" : p.ratio.toFixed(3),
      `${p.requests} + ${p.spendRequests}`,
      `${(p.throttledShare * 100).toFixed(1)} %`,
      String(p.failures),
      p.hostCpuMsPerOperation.toFixed(2),
      p.cliCpuMsPerOperation.toFixed(2),
      String(cell.stateBytesPerResource),
      (cell.hostPeakRssBytes / 2 ** 20).toFixed(0),
      (cell.cliPeakRssBytes / 2 ** 20).toFixed(0),
    ]),
  );
  const firstCount = cells[0]?.n ?? 0;
  for (const b of baselines)
    rows.push([
      cells[0]?.build ?? "",
      "",
      String(firstCount),
      "(first limit)",
      "",
      "1",
      b.phase,
      b.commandSeconds.toFixed(2),
      ((b.commandSeconds * 1000) / Math.max(1, firstCount)).toFixed(1),
      b.windowSeconds.toFixed(2),
      b.boundSeconds.toFixed(2),
      b.binds,
      b.ratio === null ? "n/a" : b.ratio.toFixed(3),
      `${b.requests} + ${b.spendRequests}`,
      `${(b.throttledShare * 100).toFixed(1)} %`,
      String(b.failures),
      "-",
      "-",
      "-",
      "-",
      "-",
    ]);
  return markdownTable(header, rows);
}

/** The median of some numbers (the mean of the middle two for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Builds side by side: per cell and phase, each build's median bound/window over the passes and its 429s in all
 * passes, then the second build's median less the first's.
 */
function comparisonTable(cells: CellFigures[], builds: string[]): string {
  const conditions = (c: CellFigures): string =>
    `${c.n} budgets, ${c.limit}, ${c.latencyMs} ms, --parallel ${c.parallel}`;
  const keys = [...new Set(cells.map(conditions))];
  const rows = keys.flatMap((key) => {
    const ofBuild = (build: string) => cells.filter((c) => c.build === build && conditions(c) === key);
    const phases = ofBuild(builds[0]!)[0]?.phases.map((p) => p.phase) ?? [];
    return phases.map((phase) => {
      const figures = builds.map((build) => {
        const measured = ofBuild(build).map((c) => c.phases.find((p) => p.phase === phase)!);
        const ratios = measured.map((p) => p.ratio).filter((r): r is number => r !== null);
        return {
          ratio: ratios.length === 0 ? null : median(ratios),
          throttled: measured.reduce((sum, p) => sum + p.throttled, 0),
          failures: measured.reduce((sum, p) => sum + p.failures, 0),
        };
      });
      const [a, b] = figures;
      const difference = a?.ratio != null && b?.ratio != null ? (b.ratio - a.ratio).toFixed(3) : "n/a";
      return [
        key,
        phase,
        ...figures.map(
          (f) => `${f.ratio === null ? "n/a" : f.ratio.toFixed(3)}, ${f.throttled} × 429, ${f.failures} failed`,
        ),
        difference,
      ];
    });
  });
  return markdownTable(
    ["cell", "phase", ...builds.map((build) => `${build}: median bound/window, 429s, failures`), "second − first"],
    rows,
  );
}

async function main(): Promise<void> {
  const opts = options();
  const log = (text: string): void => void (opts.json ? process.stderr : process.stdout).write(`${text}\n`);
  const cli = await pulumiCli();
  const engine = `Pulumi CLI v${cli.version} (${cli.source === "path" ? "from PATH" : "built from tools/pulumi"}), file backend, @pulumi/pulumi ${require("@pulumi/pulumi/package.json").version}`;
  log(
    `bench: ${[...new Set(opts.cells.map((cell) => cell.n))].join(", ")} budgets through the ${engine}; ${opts.cells.length} cell(s); ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
  );
  mkdirSync(opts.out, { recursive: true });
  // The throttle on simulated time first: microseconds, and its targets checked whatever the cells show.
  const simulated = THROTTLE_CASES.map(measureThrottle);
  log(`the partner throttle on simulated time (${simulated.length} cases):\n${throttleTable(simulated)}\n`);
  const cells: CellFigures[] = [];
  // A partner's project: the package installed from its packed tarball, so state is measured as partners have it.
  // Partners' projects: the package installed from its packed tarball, so state is measured as partners have it; with
  // --packages, one project per build, each cell run on every build (the order alternating, so neither always goes
  // first on a machine that warms up).
  const projects =
    opts.packages.length === 0
      ? [{ build: "this tree", project: packedProject() }]
      : opts.packages.map((tarball) => ({ build: basename(tarball, ".tgz"), project: packedProject(tarball) }));
  try {
    let run = 0;
    for (let pass = 1; pass <= opts.repeat; pass++) {
      for (const cell of opts.cells) {
        const order = run % 2 === 0 ? projects : [...projects].reverse();
        for (const { build, project } of order) {
          const figures = await runCell(
            cell,
            { directory: project.directory, build, pass },
            run === 0 ? join(opts.out, "create-rate.svg") : undefined,
          );
          cells.push(figures);
          const summary = figures.phases
            .map(
              (p) =>
                `${p.phase} ${p.windowSeconds.toFixed(1)} s (${p.ratio === null ? "n/a" : p.ratio.toFixed(2)} of bound, ${p.requests} + ${p.spendRequests} spend requests, ${p.throttled} × 429, ${p.failures} failed)`,
            )
            .join("; ");
          const label = projects.length > 1 || opts.repeat > 1 ? `[${build}, pass ${pass}] ` : "";
          log(
            `  ${label}${cell.n} budgets, ${limitName(cell.limit)}, ${cell.latencyMs} ms, --parallel ${cell.parallel}: ${summary}`,
          );
        }
        run += 1;
      }
    }
  } finally {
    for (const { project } of projects) project.remove();
  }
  const first = opts.cells[0];
  const baselines = opts.baseline === "none" || !first ? [] : await baseline(first, opts.baseline, first.n);
  const result = {
    conditions: {
      budgets: [...new Set(opts.cells.map((cell) => cell.n))],
      project: "the package installed from its packed tarball",
      engine: `${engine}; up and refresh as the Automation API runs them (--skip-preview)`,
      credential:
        "App+User: a refresh token from an MFA sign-in and the client secret, through the emulated Entra ID (MSAL); spend on",
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      node: process.version,
    },
    simulated,
    cells,
    baseline: baselines,
  };
  writeFileSync(join(opts.out, "bench.json"), `${JSON.stringify(result, null, 2)}\n`);
  const missed = simulated.filter((figures) => !figures.meetsTargets);
  if (missed.length > 0) {
    // A throttle below its targets is a regression the bench exists to catch: it does not exit 0.
    console.error(`bench: the simulated throttle missed its targets in ${missed.map(describeCase).join("; ")}`);
    process.exitCode = 1;
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  log("");
  log(table(cells, baselines));
  log("");
  if (opts.packages.length > 1 || opts.repeat > 1) {
    const builds = [...new Set(cells.map((cell) => cell.build))];
    log(`side by side, ${opts.repeat} pass(es) of every cell per build:`);
    log(comparisonTable(cells, builds));
    log("");
  }
  log(
    "window: the phase's first request received to its last answered; bound: the earliest the limit (from its state at the phase's start) and --parallel allow, whichever binds; command: the whole CLI command, program and checkpoint writes included; peaks: the largest VmHWM of a provider host and of the CLI, sampled every 100 ms.",
  );
  log(`__provider: ${cells[0]?.providerBytes ?? 0} bytes per resource`);
  log(
    `written: ${[join(opts.out, "bench.json"), ...(first?.limit ? [join(opts.out, "create-rate.svg")] : [])].join(", ")}`,
  );
}

// `--scale` is its own benchmark (bench/scale/main.ts), with its own options.
const scaleRun = process.argv.includes("--scale");
(scaleRun ? runScale(process.argv.slice(2)).then((code) => void (process.exitCode = code)) : main()).catch(
  (error: unknown) => {
    console.error(`bench: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
