/**
 * `--shard` and `--customer-ids`: the slice of the customers a command covers,
 * read by the parsers and kept by the membership rule of provider/gitops/shards.ts,
 * the same ones `UsageBudgetSet`'s `shard` and `customerIds` use.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  parseCustomerIdRangeOption,
  parseShardOption,
  type BudgetsSlice,
  type CustomerIdRange,
  type Shard,
} from "../gitops/shards";
import { BudgetsSliceError } from "../shared/errors";

/** The options as commander hands them to the action. */
export interface SliceOptions {
  /** `--shard <index>/<count>`. */
  shard?: Shard;
  /** `--customer-ids <from>..<to>`. */
  customerIds?: CustomerIdRange;
}

/** What the two options do in one command, for its help. */
export interface SliceHelp {
  /** What the command does with the slice's customers, e.g. "diff only the file's customers". */
  readonly verb: string;
  /** What that means for the rest: sentences in lines of at most about 115 characters. */
  readonly note: string;
}

/** A parser for commander: a value the parser refuses becomes commander's own "argument is invalid" (exit 3, before any request). */
function parsedBy<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof BudgetsSliceError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

/**
 * Adds `--shard` and `--customer-ids` to a command; they exclude each other.
 *
 * @param command - the command
 * @param help - what the command does with the slice
 */
export function addSliceOptions(command: Command, help: SliceHelp): Command {
  return command
    .addOption(
      new Option(
        "--shard <index/count>",
        `${help.verb} in shard <index> of <count> (numbered from 0), the ones UsageBudgetSet's shard: { index, count } applies, e.g. 0/4`,
      )
        .argParser(parsedBy((text) => parseShardOption(text)))
        .conflicts("customerIds"),
    )
    .addOption(
      new Option(
        "--customer-ids <from..to>",
        `${help.verb} whose lowercase id sorts from <from> up to, not including, <to> (either end may be left out), as UsageBudgetSet's customerIds: { from, to }, e.g. 0..8`,
      ).argParser(parsedBy((text) => parseCustomerIdRangeOption(text))),
    )
    .addHelpText("after", `\nWith --shard or --customer-ids (one of them: they exclude each other):\n${help.note}`);
}

/** The slice the options ask for, or undefined for every customer. */
export function sliceOf(options: SliceOptions): BudgetsSlice | undefined {
  if (options.shard === undefined && options.customerIds === undefined) return undefined;
  return {
    ...(options.shard ? { shard: options.shard } : {}),
    ...(options.customerIds ? { customerIds: options.customerIds } : {}),
  };
}

/** The slice's parts, each with the label given: its shard as index/count, its id range as from..to (checked digits and hex). */
function sliceParts(slice: BudgetsSlice, labels: { shard: string; customerIds: string }): string[] {
  const parts: string[] = [];
  if (slice.shard) parts.push(`${labels.shard} ${slice.shard.index}/${slice.shard.count}`);
  if (slice.customerIds)
    parts.push(`${labels.customerIds} ${slice.customerIds.from ?? ""}..${slice.customerIds.to ?? ""}`);
  return parts;
}

/** The slice in words, as its options would give it: "shard 2/8", "customer ids 0..8". */
export function describeSlice(slice: BudgetsSlice): string {
  return sliceParts(slice, { shard: "shard", customerIds: "customer ids" }).join(" and ");
}

/** The options that ask for the slice: "--shard 2/8", "--customer-ids 0..8". */
export function sliceFlags(slice: BudgetsSlice): string {
  return sliceParts(slice, { shard: "--shard", customerIds: "--customer-ids" }).join(" ");
}
