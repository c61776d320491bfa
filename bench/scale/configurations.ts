/**
 * The configurations the scale benchmark measures side by side. A
 * configuration is a small record (environment, CLI flags, program shape),
 * so a new lever is one more entry in {@link CONFIGURATIONS}.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CustomerRecord } from "pulumi-partnercenter/emulator";
import type { DeclaredBudget, DeclaredSet } from "../../test/engine/stack";

/** What a program declares for one phase. */
export interface Declaration {
  budgets: DeclaredBudget[];
  sets: DeclaredSet[];
}

/** How a program declares a partner's budgets. */
export interface ProgramShape {
  /** Its name in the table. */
  name: string;
  /**
   * The declaration giving `customers[i]` the amount `amount(i)`.
   *
   * @param scratchDir - a directory of the cell's own, for files the declaration reads (a budgets file)
   */
  declare(customers: readonly CustomerRecord[], amount: (index: number) => number, scratchDir: string): Declaration;
}

/** One `UsageBudget` per customer: one engine step each. */
export const PER_RESOURCE: ProgramShape = {
  name: "UsageBudget per customer",
  declare: (customers, amount) => ({
    budgets: customers.map((customer, index) => ({
      name: `budget-${index}`,
      customerId: customer.id,
      amount: amount(index),
    })),
    sets: [],
  }),
};

/**
 * One `UsageBudgetSet` with `asOneResource: true` reading a budgets file:
 * one engine step for every budget, so one checkpoint write per command.
 * Each declaration writes its own file, since the two phases' amounts differ.
 */
export const ONE_RESOURCE: ProgramShape = {
  name: "UsageBudgetSet, asOneResource",
  declare: (customers, amount, scratchDir) => {
    const file = join(scratchDir, `budgets-${amount(0)}.yaml`);
    writeFileSync(
      file,
      `budgets:\n${customers.map((customer, index) => `  - customerId: ${customer.id}\n    amount: ${amount(index)}\n`).join("")}`,
    );
    return { budgets: [], sets: [{ name: "budgets", file, asOneResource: true }] };
  },
};

/** One measured way of running the CLI. */
export interface Configuration {
  /** Short name, for `--configs` and the table. */
  name: string;
  /** What it sets, in a line. */
  summary: string;
  /** Variables of the CLI's environment. */
  env: Record<string, string>;
  /** `--parallel`; undefined leaves the CLI's default (4 × CPUs). */
  parallel?: number;
  /** Global flags added to every CLI command (through a wrapper: the Automation API has no free-form flags). */
  cliFlags: string[];
  shape: ProgramShape;
  /**
   * The largest count a run measures without `--all`: above it this
   * configuration takes too long (its time per budget grows with the count).
   */
  maxCount: number;
}

/** `--parallel` measured best for per-customer resources with checkpoints skipped on the 2-core machine (bench `--configs skip-p8,skip-p16,skip-p32,per-customer-skip,skip-p128`, docs/scale.md). */
export const RECOMMENDED_PARALLEL = 64;

/**
 * The configuration docs/scale.md recommends for large partners, which
 * `--configs recommended` names: one resource with the CLI's defaults, the
 * fastest at every count measured (docs/scale.md, "Budgets by count").
 */
export const RECOMMENDED = "one-resource";

const SKIP_CHECKPOINTS = { PULUMI_SKIP_CHECKPOINTS: "true" };

/** Every configuration the benchmark knows, the default run's first. */
export const CONFIGURATIONS: readonly Configuration[] = [
  { name: "default", summary: "the CLI's defaults", env: {}, cliFlags: [], shape: PER_RESOURCE, maxCount: 1_000 },
  {
    name: "per-customer-skip",
    summary: `PULUMI_SKIP_CHECKPOINTS=true, --parallel ${RECOMMENDED_PARALLEL}`,
    env: SKIP_CHECKPOINTS,
    parallel: RECOMMENDED_PARALLEL,
    cliFlags: [],
    shape: PER_RESOURCE,
    maxCount: 10_000,
  },
  {
    name: "one-resource",
    summary: "the CLI's defaults; one UsageBudgetSet with asOneResource: true",
    env: {},
    cliFlags: [],
    shape: ONE_RESOURCE,
    maxCount: 10_000,
  },
  // Item 6: the other levers the engine (3.274.1) offers, measured the same way; not in the default run.
  {
    name: "skip-p8",
    summary: "PULUMI_SKIP_CHECKPOINTS=true, --parallel 8",
    env: SKIP_CHECKPOINTS,
    parallel: 8,
    cliFlags: [],
    shape: PER_RESOURCE,
    maxCount: 10_000,
  },
  {
    name: "skip-p16",
    summary: "PULUMI_SKIP_CHECKPOINTS=true, --parallel 16",
    env: SKIP_CHECKPOINTS,
    parallel: 16,
    cliFlags: [],
    shape: PER_RESOURCE,
    maxCount: 10_000,
  },
  {
    name: "skip-p32",
    summary: "PULUMI_SKIP_CHECKPOINTS=true, --parallel 32",
    env: SKIP_CHECKPOINTS,
    parallel: 32,
    cliFlags: [],
    shape: PER_RESOURCE,
    maxCount: 10_000,
  },
  {
    name: "skip-p128",
    summary: "PULUMI_SKIP_CHECKPOINTS=true, --parallel 128",
    env: SKIP_CHECKPOINTS,
    parallel: 128,
    cliFlags: [],
    shape: PER_RESOURCE,
    maxCount: 10_000,
  },
  {
    name: "skip-paralleldiff",
    summary: `PULUMI_SKIP_CHECKPOINTS=true, PULUMI_PARALLEL_DIFF=true, --parallel ${RECOMMENDED_PARALLEL}`,
    env: { ...SKIP_CHECKPOINTS, PULUMI_PARALLEL_DIFF: "true" },
    parallel: RECOMMENDED_PARALLEL,
    cliFlags: [],
    shape: PER_RESOURCE,
    maxCount: 10_000,
  },
  {
    name: "gzip",
    summary: "PULUMI_DIY_BACKEND_GZIP=true (checkpoints kept)",
    env: { PULUMI_DIY_BACKEND_GZIP: "true" },
    cliFlags: [],
    shape: PER_RESOURCE,
    maxCount: 1_000,
  },
  {
    name: "no-integrity",
    summary: "--disable-integrity-checking (checkpoints kept)",
    env: {},
    cliFlags: ["--disable-integrity-checking"],
    shape: PER_RESOURCE,
    maxCount: 1_000,
  },
];

/** The configurations a run measures unless `--configs` says otherwise. */
export const DEFAULT_CONFIGURATIONS = ["default", "per-customer-skip", RECOMMENDED];

/** The configurations named, in order (`recommended` is {@link RECOMMENDED}); an unknown name is an error naming the known ones. */
export function configurationsNamed(names: readonly string[]): Configuration[] {
  return names.map((asked) => {
    const name = asked === "recommended" ? RECOMMENDED : asked;
    const found = CONFIGURATIONS.find((configuration) => configuration.name === name);
    if (!found)
      throw new Error(
        `--configs: no configuration ${JSON.stringify(asked)}; known: recommended, ${CONFIGURATIONS.map((configuration) => configuration.name).join(", ")}`,
      );
    return found;
  });
}
