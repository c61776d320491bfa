/**
 * `npm run bench -- --scale [--n 200,1000,2000] [--backends file,azblob] [--configs default,per-customer-skip,one-resource (recommended names one-resource)] [--all] [--json] [--out DIR]`
 *
 * Budgets by count × state backend × configuration, through the real CLI
 * against the emulator with no latency and no limit: wall time, time per
 * budget, state bytes per budget, peak memory of the CLI and of the
 * provider host, for `up` creating, `up` changing every amount, `refresh`,
 * `preview --refresh` and a no-change `preview`. Fails (exit 1) if any
 * phase had a failure. Cells a configuration would take too long for are
 * skipped, and the table says so, unless `--all`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { packedProject } from "../../test/engine/packedProject";
import { pulumiCli } from "../../test/engine/stack";
import { BACKEND_NAMES, type BackendName } from "./backends";
import { PHASES, runCell, type Cell, type CellFigures } from "./cell";
import { configurationsNamed, DEFAULT_CONFIGURATIONS } from "./configurations";
import { plotTimePerBudget, textPlot, type Series } from "./plot";

/** Counts of the default run; 10,000 is asked for with `--n`. */
const DEFAULT_COUNTS = [200, 1_000, 2_000];
/** The most budgets a cell may declare (the emulator holds them all in memory, and so does the bench). */
const MAX_COUNT = 100_000;

/** A cell left out, and why. */
interface SkippedCell {
  n: number;
  backend: BackendName;
  configuration: string;
  reason: string;
}

function list(text: string | undefined, fallback: readonly string[]): string[] {
  return text === undefined
    ? [...fallback]
    : text
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
}

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: "boolean" },
      n: { type: "string" },
      backends: { type: "string" },
      configs: { type: "string" },
      all: { type: "boolean" },
      json: { type: "boolean" },
      out: { type: "string" },
    },
  });
  const counts = list(values.n, DEFAULT_COUNTS.map(String)).map((text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > MAX_COUNT)
      throw new Error(`--n takes whole numbers from 1 to ${MAX_COUNT}, not ${JSON.stringify(text)}`);
    return n;
  });
  const backends = list(values.backends, BACKEND_NAMES).map((text) => {
    if (!(BACKEND_NAMES as readonly string[]).includes(text))
      throw new Error(`--backends takes ${BACKEND_NAMES.join(", ")}, not ${JSON.stringify(text)}`);
    return text as BackendName;
  });
  const configurations = configurationsNamed(list(values.configs, DEFAULT_CONFIGURATIONS));
  const cells: Cell[] = [];
  const skipped: SkippedCell[] = [];
  for (const n of counts) {
    for (const backend of backends) {
      for (const configuration of configurations) {
        if (n > configuration.maxCount && !values.all)
          skipped.push({
            n,
            backend,
            configuration: configuration.name,
            reason: `skipped: above ${configuration.maxCount} budgets this configuration takes too long (--all runs it)`,
          });
        else cells.push({ n, backend, configuration });
      }
    }
  }
  return {
    cells,
    skipped,
    configurations,
    json: values.json ?? false,
    out: resolve(values.out ?? join(__dirname, "../../../bench/out")),
  };
}

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

/** One row per cell: each phase's seconds, time per budget of the two `up`s, state and memory; skipped cells say why. */
function table(cells: readonly CellFigures[], skipped: readonly SkippedCell[]): string {
  const header = [
    "configuration",
    "backend",
    "budgets",
    ...PHASES.map((phase) => `${phase} s`),
    "create ms/budget",
    "change ms/budget",
    "state B/budget",
    "CLI peak MiB",
    "host peak MiB",
    "failures",
  ];
  const rows = cells.map((cell) => {
    const by = (phase: string) => cell.phases.find((figures) => figures.phase === phase)!;
    return [
      cell.configuration,
      cell.backend,
      String(cell.n),
      ...PHASES.map((phase) => by(phase).seconds.toFixed(1)),
      by("up (create)").msPerBudget.toFixed(2),
      by("up (change every amount)").msPerBudget.toFixed(2),
      cell.stateBytesPerBudget === null ? "n/a" : String(cell.stateBytesPerBudget),
      mib(Math.max(...cell.phases.map((figures) => figures.cliPeakBytes))),
      mib(Math.max(...cell.phases.map((figures) => figures.hostPeakBytes))),
      String(cell.phases.reduce((sum, figures) => sum + figures.failures, 0)),
    ];
  });
  for (const cell of skipped)
    rows.push([
      cell.configuration,
      cell.backend,
      String(cell.n),
      cell.reason,
      ...new Array<string>(PHASES.length - 1 + 6).fill(""),
    ]);
  return markdownTable(header, rows);
}

/** Per phase, one line per (configuration, backend): ms per budget by count. */
function seriesOf(cells: readonly CellFigures[], phase: string): Series[] {
  const labels = [...new Set(cells.map((cell) => `${cell.configuration}, ${cell.backend}`))];
  return labels.map((label) => ({
    label,
    points: cells
      .filter((cell) => `${cell.configuration}, ${cell.backend}` === label)
      .sort((a, b) => a.n - b.n)
      .map((cell) => ({ n: cell.n, msPerBudget: cell.phases.find((figures) => figures.phase === phase)!.msPerBudget })),
  }));
}

const slug = (phase: string): string => phase.replace(/[^a-z]+/g, "-").replace(/^-|-$/g, "");

/** Runs the scale benchmark with these arguments (those after `npm run bench --`). */
export async function runScale(argv: string[]): Promise<number> {
  const opts = options(argv);
  const log = (text: string): void => void (opts.json ? process.stderr : process.stdout).write(`${text}\n`);
  const cli = await pulumiCli();
  const conditions = {
    cli: `Pulumi CLI v${cli.version} (${cli.source === "path" ? "from PATH" : "built from tools/pulumi"})`,
    sdk: `@pulumi/pulumi ${require("@pulumi/pulumi/package.json").version}`,
    azurite: `Azurite ${require("azurite/package.json").version} (in memory, loopback)`,
    emulator: "Partner Center emulator, no latency, no limit; the package installed from its packed tarball",
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}`,
    node: process.version,
    loadAtStart: loadavg()
      .map((load) => load.toFixed(2))
      .join(" "),
    configurations: opts.configurations.map(
      (configuration) => `${configuration.name}: ${configuration.summary}; ${configuration.shape.name}`,
    ),
  };
  log(
    `scale: ${opts.cells.length} cell(s), ${opts.skipped.length} skipped; ${conditions.cli}; ${conditions.machine}; Node ${conditions.node}; load ${conditions.loadAtStart}`,
  );
  mkdirSync(opts.out, { recursive: true });
  const project = packedProject();
  const cells: CellFigures[] = [];
  try {
    for (const cell of opts.cells) {
      const figures = await runCell(cell, project.directory, cli.command);
      cells.push(figures);
      const peaks = `state ${figures.stateBytesPerBudget ?? "n/a"} B/budget, CLI peak ${mib(Math.max(...figures.phases.map((p) => p.cliPeakBytes)))} MiB, host peak ${mib(Math.max(...figures.phases.map((p) => p.hostPeakBytes)))} MiB`;
      log(
        `  ${cell.configuration.name}, ${cell.backend}, ${cell.n}: ${figures.phases.map((p) => `${p.phase} ${p.seconds.toFixed(1)} s${p.failures ? ` (${p.failures} FAILED: ${p.failure})` : ""}`).join("; ")}; ${peaks}; load ${loadavg()[0]!.toFixed(1)}`,
      );
    }
  } finally {
    project.remove();
  }
  const loadAtEnd = loadavg()
    .map((load) => load.toFixed(2))
    .join(" ");
  const result = { conditions: { ...conditions, loadAtEnd }, cells, skipped: opts.skipped };
  writeFileSync(join(opts.out, "scale.json"), `${JSON.stringify(result, null, 2)}\n`);
  const plots = PHASES.map((phase) => ({
    phase,
    file: join(opts.out, `scale-${slug(phase)}.svg`),
    series: seriesOf(cells, phase),
  }));
  for (const plot of plots) writeFileSync(plot.file, plotTimePerBudget(plot.series, `${plot.phase}: time per budget`));
  const failures = cells.reduce(
    (sum, cell) => sum + cell.phases.reduce((count, phase) => count + phase.failures, 0),
    0,
  );
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    log("");
    log(
      `Conditions: ${conditions.cli}, ${conditions.sdk}; ${conditions.machine}; Node ${conditions.node}; ${conditions.azurite}; ${conditions.emulator}; load average ${conditions.loadAtStart} at start, ${loadAtEnd} at end.`,
    );
    for (const line of conditions.configurations) log(`  ${line}`);
    log("");
    log(table(cells, opts.skipped));
    log("");
    for (const plot of plots.filter((p) => p.phase.startsWith("up"))) log(`${textPlot(plot.series, plot.phase)}\n`);
    log(`written: ${[join(opts.out, "scale.json"), ...plots.map((plot) => plot.file)].join(", ")}`);
  }
  if (failures > 0) log(`scale: ${failures} failure(s); see the table`);
  return failures > 0 ? 1 : 0;
}
