/** `partnercenter-budgets diff FILE`: a budgets file against live Partner Center, with who changed each drifted budget. */
import { type Command, Option } from "commander";
import { attributeDrifts } from "../../gitops/attribution";
import { readBudgetsFile } from "../../gitops/budgetsFile";
import { createClient } from "../../runtime/runtime";
import { resolveSettings } from "../../settings/settings";
import { sliceEntries } from "../../gitops/shards";
import { diffBudgets } from "../diffBudgets";
import { diffAsJson, diffAsMarkdown, diffAsText } from "../render/diffReport";
import { EXIT, EXIT_CODES_HELP, type ExitCode } from "../exitCodes";
import { out } from "../output";
import { addSliceOptions, sliceOf, type SliceOptions } from "../sliceOptions";

/** The report's formats and their renderers. */
const RENDERERS = { text: diffAsText, json: diffAsJson, markdown: diffAsMarkdown } as const;

/** The options commander hands the action. */
interface DiffOptions extends SliceOptions {
  format: keyof typeof RENDERERS;
}

/**
 * Defines `diff` on a command the program created (so it inherits the program's output and exit handling).
 *
 * @param command - `program.command("diff")`
 * @param settle - receives the exit code when the work is over
 */
export function defineDiffCommand(command: Command, settle: (code: ExitCode) => void): void {
  command
    .description(
      "compare a budgets file with live Partner Center, and name from the activity log who changed each drifted budget, when and from what",
    )
    .argument("<file>", "the budgets file (YAML or JSON); a relative path is taken from the current directory")
    .addOption(
      new Option("-f, --format <format>", "the report's format").choices(Object.keys(RENDERERS)).default("text"),
    );
  addSliceOptions(command, {
    verb: "diff only the file's customers",
    note: `The whole file is still checked against the file rules, then only the slice's customers are requested;
the report names the slice and how many of the file's customers it holds.`,
  })
    .addHelpText(
      "after",
      `\nExamples:\n  partnercenter-budgets diff budgets.yaml\n  partnercenter-budgets diff budgets.yaml -f markdown >> "$GITHUB_STEP_SUMMARY"\n  partnercenter-budgets diff budgets.yaml --shard 2/4    # the stack of shard { index: 2, count: 4 }\n\n${EXIT_CODES_HELP}\n`,
    )
    .action(async (file: string, options: DiffOptions) => settle(await runDiff(file, options)));
}

async function runDiff(file: string, options: DiffOptions): Promise<ExitCode> {
  // The whole file is validated, as in every stack (a duplicate across two shards is still one), then sliced.
  const all = readBudgetsFile(file);
  const slice = sliceOf(options);
  const entries = slice ? sliceEntries(all, slice) : all;
  const settings = resolveSettings(undefined, process.env);
  const client = createClient(settings);
  try {
    const drifts = await diffBudgets(client, entries, settings.maxConcurrency);
    const drifted = new Map(
      drifts.filter((drift) => drift.error === undefined).map((drift) => [drift.entry.customerId, drift.live ?? null]),
    );
    const findings = {
      checked: entries.length,
      drifts,
      attributions: await attributeDrifts(client, drifted),
      ...(slice ? { slice: { slice, customersInFile: all.length } } : {}),
    };
    out(RENDERERS[options.format](findings));
    if (drifts.some((drift) => drift.error !== undefined)) return EXIT.couldNotCheck;
    return drifts.length > 0 ? EXIT.drift : EXIT.ok;
  } finally {
    await client.close();
  }
}
