/**
 * One cell of the scale benchmark: N budgets on one backend under one
 * configuration, through the real CLI against the emulator (no latency, no
 * limit). Five phases: `up` creating, `up` changing every amount, `refresh`,
 * `preview --refresh`, a no-change `preview`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCustomers } from "pulumi-partnercenter/emulator";
import { startStack, type CommandFlags, type DriverResult, type TestStack } from "../../test/engine/stack";
import { ProcessSampler, type SampledStats } from "../processStats";
import { openBackend, type BackendName, type CellBackend } from "./backends";
import { wrapCliWithFlags } from "./cliFlags";
import type { Configuration, Declaration } from "./configurations";

/** The CLI and the provider host, as the bench's own descendants (the machine may run other people's). */
const CLI_PROCESSES = /(^|\/)pulumi (up|refresh|preview|destroy) /;
const HOST_PROCESSES = /cmd\/dynamic-provider/;

/** The phases, in the order a cell runs them. */
export const PHASES = ["up (create)", "up (change every amount)", "refresh", "preview --refresh", "preview"] as const;
/** One of {@link PHASES}. */
export type Phase = (typeof PHASES)[number];

/** One phase's figures. */
export interface PhaseFigures {
  phase: Phase;
  seconds: number;
  msPerBudget: number;
  /** Budgets that did not end as the phase should leave them, plus error diagnostics and a non-zero exit. */
  failures: number;
  /** Peak RSS of the CLI and of the provider host during the phase. */
  cliPeakBytes: number;
  hostPeakBytes: number;
  /** The first failure's words, when there was one. */
  failure?: string;
}

/** One cell's conditions and figures. */
export interface CellFigures {
  n: number;
  backend: BackendName;
  configuration: string;
  phases: PhaseFigures[];
  /** The stored checkpoint after every amount changed, per budget; null when the backend could not say. */
  stateBytesPerBudget: number | null;
}

/** A cell to run. */
export interface Cell {
  n: number;
  backend: BackendName;
  configuration: Configuration;
}

/** How a phase went, from its result and what Partner Center holds after it. */
function failuresOf(result: DriverResult, wrongBudgets: number): { failures: number; failure?: string } {
  const exit = result.result.exitCode === 0 ? 0 : 1;
  const failures = wrongBudgets + result.errors.length + result.stackErrors.length + exit;
  // A CLI that panicked printed the panic's message first and then pages of goroutines: keep the message.
  const panic = result.result.output.indexOf("panic:");
  const output = panic >= 0 ? result.result.output.slice(panic, panic + 1_000) : result.result.output.slice(-500);
  const failure =
    [...result.errors, ...result.stackErrors][0] ??
    (exit ? output : wrongBudgets ? `${wrongBudgets} budgets not as declared` : undefined);
  return failure === undefined ? { failures } : { failures, failure };
}

/** Runs one phase, sampling the CLI's and the host's memory. */
async function measure(
  phase: Phase,
  n: number,
  run: () => Promise<DriverResult>,
  check: (result: DriverResult) => number,
): Promise<PhaseFigures> {
  const cli = new ProcessSampler(CLI_PROCESSES, 100, process.pid);
  const host = new ProcessSampler(HOST_PROCESSES, 100, process.pid);
  const started = performance.now();
  let result: DriverResult;
  let cliStats: SampledStats;
  let hostStats: SampledStats;
  try {
    result = await run();
  } finally {
    cliStats = cli.stop();
    hostStats = host.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    phase,
    seconds,
    msPerBudget: (seconds * 1000) / n,
    ...failuresOf(result, check(result)),
    cliPeakBytes: cliStats.peakRssBytes,
    hostPeakBytes: hostStats.peakRssBytes,
  };
}

/** Runs the five phases of a cell on a fresh emulator, stack and backend. */
export async function runCell(cell: Cell, projectDir: string, cliCommand: string): Promise<CellFigures> {
  const { n, configuration } = cell;
  const scratch = mkdtempSync(join(tmpdir(), "pc-scale-"));
  let stack: TestStack | undefined;
  let backend: CellBackend | undefined;
  try {
    backend = await openBackend(cell.backend);
    const pulumiRoot =
      configuration.cliFlags.length > 0
        ? wrapCliWithFlags(cliCommand, configuration.cliFlags, join(scratch, "cli"))
        : undefined;
    stack = await startStack({
      emulator: { customers: generateCustomers(n) },
      projectDir,
      ...(backend.state ? { backend: backend.state } : {}),
      ...(pulumiRoot ? { pulumiRoot } : {}),
    });
    const engine = stack.engine;
    const emulator = stack.emulator;
    engine.setEnv(configuration.env);
    const customers = emulator.customers();
    const amounts = [(index: number) => 1_000 + index + 0.5, (index: number) => 20_000 + index + 0.5];
    const declarations: Declaration[] = amounts.map((amount) =>
      configuration.shape.declare(customers, amount, scratch),
    );
    const flags: CommandFlags = configuration.parallel === undefined ? {} : { parallel: configuration.parallel };
    /** Budgets Partner Center does not hold at the amounts of declaration `which`. */
    const wrong = (which: number): number =>
      customers.filter((customer, index) => emulator.budgetOf(customer.id) !== amounts[which]!(index)).length;
    /** Resources the engine says it would change or changed, where nothing should change. */
    const changed = (result: DriverResult): number =>
      result.steps.filter((step) => step.op !== "same" && step.op !== "refresh").length;
    const [first, second] = declarations as [Declaration, Declaration];
    const phases: PhaseFigures[] = [];
    phases.push(
      await measure(
        "up (create)",
        n,
        () => engine.up(first.budgets, flags, first.sets),
        () => wrong(0),
      ),
    );
    phases.push(
      await measure(
        "up (change every amount)",
        n,
        () => engine.up(second.budgets, flags, second.sets),
        () => wrong(1),
      ),
    );
    phases.push(
      await measure(
        "refresh",
        n,
        () => engine.refresh(flags),
        (result) => changed(result) + wrong(1),
      ),
    );
    phases.push(
      await measure(
        "preview --refresh",
        n,
        () => engine.preview(second.budgets, { ...flags, refresh: true }, second.sets),
        (result) => changed(result) + wrong(1),
      ),
    );
    phases.push(
      await measure(
        "preview",
        n,
        () => engine.preview(second.budgets, flags, second.sets),
        (result) => changed(result) + wrong(1),
      ),
    );
    // The phases' figures are kept even if the backend cannot say how big the checkpoint is (an Azurite full of
    // overwritten checkpoints answered a listing in more than 30 s once).
    const stateBytes = await backend.checkpointBytes(engine.stack.name, stack.directory).catch((error: unknown) => {
      process.stderr.write(`scale: the checkpoint's size is unknown: ${(error as Error).message}\n`);
      return null;
    });
    return {
      n,
      backend: cell.backend,
      configuration: configuration.name,
      phases,
      stateBytesPerBudget: stateBytes === null ? null : Math.round(stateBytes / n),
    };
  } finally {
    await stack?.stop();
    await backend?.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
