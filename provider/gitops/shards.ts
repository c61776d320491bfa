/**
 * Slices of a budgets file, so that several stacks share one file and run in
 * parallel: a shard (index of count) and a customer-id range. Pure functions,
 * used by UsageBudgetSet in a program and by the CLI (`--shard`,
 * `--customer-ids`).
 */
import { createHash } from "node:crypto";
import type { BudgetEntry } from "./budgetsFile";
import { describeValue } from "../shared/describe";
import { BudgetsSliceError } from "../shared/errors";

/** One of `count` shards of a budgets file; `index` counts from 0. */
export interface Shard {
  /** Which shard, 0 to count − 1. */
  index: number;
  /** How many shards the file is split into. */
  count: number;
}

/** Customers whose lowercase id sorts from `from` (inclusive) up to `to` (exclusive); either end may be left open. */
export interface CustomerIdRange {
  /** The first id (or id prefix) in the range. */
  from?: string;
  /** The first id (or id prefix) after the range. */
  to?: string;
}

/** The slice of a budgets file a stack applies: a shard, a range, or both (the customers in both). */
export interface BudgetsSlice {
  /** One of `count` shards. */
  shard?: Shard;
  /** A customer-id range. */
  customerIds?: CustomerIdRange;
}

/** The most shards a file may be split into: far beyond what parallel stacks need, small enough to catch a typo. */
export const MAX_SHARDS = 1024;

/** What an id or a range end may hold: lowercase hex digits and hyphens, as in a tenant id, or a prefix of one. */
const ID_PREFIX = /^[0-9a-f-]{1,36}$/;

/**
 * Checks a shard and a range before anything is read or sent.
 *
 * @param slice - the slice as given (from a program or a command line: anything)
 * @param where - who declares it, e.g. `UsageBudgetSet "budgets"`, for messages
 * @returns the slice, with range ends lowercased
 */
export function checkBudgetsSlice(slice: BudgetsSlice, where: string): BudgetsSlice {
  const checked: BudgetsSlice = {};
  if (slice.shard !== undefined) checked.shard = checkShard(slice.shard, where);
  if (slice.customerIds !== undefined) checked.customerIds = checkRange(slice.customerIds, where);
  return checked;
}

function checkShard(shard: Shard, where: string): Shard {
  if (typeof shard !== "object" || shard === null) {
    throw new BudgetsSliceError(
      `${where}: shard must be { index, count }, e.g. { index: 0, count: 4 } for the first of four stacks, not ${describeValue(shard)}`,
    );
  }
  const { index, count } = shard;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) {
    throw new BudgetsSliceError(
      `${where}: shard.count ${describeValue(count)} is not a whole number from 1 to ${MAX_SHARDS}: set it to how many stacks share the file, the same in every one of them`,
    );
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new BudgetsSliceError(
      `${where}: shard.index ${describeValue(index)} is not a whole number from 0 to ${count - 1} (shard.count is ${count}): number the stacks 0 to ${count - 1}`,
    );
  }
  return { index, count };
}

function checkRange(range: CustomerIdRange, where: string): CustomerIdRange {
  if (typeof range !== "object" || range === null) {
    throw new BudgetsSliceError(
      `${where}: customerIds must be { from, to } (id prefixes, either may be left out), e.g. { from: "0", to: "8" }, not ${describeValue(range)}`,
    );
  }
  const checked: CustomerIdRange = {};
  for (const end of ["from", "to"] as const) {
    const value: unknown = range[end];
    if (value === undefined) continue;
    if (typeof value !== "string" || !ID_PREFIX.test(value.toLowerCase())) {
      throw new BudgetsSliceError(
        `${where}: customerIds.${end} ${describeValue(value)} is not a customer id or the start of one: use hex digits and hyphens, e.g. "8" or "8a7b6c5d"`,
      );
    }
    checked[end] = value.toLowerCase();
  }
  if (checked.from !== undefined && checked.to !== undefined && checked.from >= checked.to) {
    throw new BudgetsSliceError(
      `${where}: customerIds.from ${JSON.stringify(checked.from)} is not before customerIds.to ${JSON.stringify(checked.to)}, so the range is empty: swap them, or widen the range`,
    );
  }
  return checked;
}

/**
 * The shard of a customer among `count`: jump consistent hashing (Lamport and
 * Veach, 2014) of the SHA-256 of the lowercase id. It depends on nothing but
 * the id and the count, so adding or removing other customers moves no one;
 * and going from n to n + 1 shards moves only customers into the new shard
 * (about 1 in n + 1), never between old ones.
 *
 * @param customerId - the customer's tenant id, any case
 * @param count - how many shards, 1 or more
 */
export function shardOf(customerId: string, count: number): number {
  let key = createHash("sha256").update(customerId.toLowerCase()).digest().readBigUInt64BE(0);
  let bucket = -1;
  let next = 0;
  // Each step jumps forward by a factor of about 2, so the loop runs O(log count) times.
  while (next < count) {
    bucket = next;
    key = (key * 2862933555777941757n + 1n) & 0xffff_ffff_ffff_ffffn;
    next = Math.floor((bucket + 1) * (2 ** 31 / (Number(key >> 33n) + 1)));
  }
  return bucket;
}

/** Whether a customer is in a checked slice. */
export function inSlice(customerId: string, slice: BudgetsSlice): boolean {
  const id = customerId.toLowerCase();
  if (slice.shard && shardOf(id, slice.shard.count) !== slice.shard.index) return false;
  if (slice.customerIds?.from !== undefined && id < slice.customerIds.from) return false;
  if (slice.customerIds?.to !== undefined && id >= slice.customerIds.to) return false;
  return true;
}

/**
 * The entries of a budgets file a slice keeps, in the file's order.
 *
 * @param entries - the validated entries (ids lowercase)
 * @param slice - a slice checked by {@link checkBudgetsSlice}
 */
export function sliceEntries(entries: readonly BudgetEntry[], slice: BudgetsSlice): BudgetEntry[] {
  return entries.filter((entry) => inSlice(entry.customerId, slice));
}

/**
 * Reads a command line's `--shard` value, `<index>/<count>` (e.g. `2/8`).
 *
 * @param text - the flag's value
 * @param flag - the flag's name, for messages
 */
export function parseShardOption(text: string, flag = "--shard"): Shard {
  const match = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(text);
  if (!match)
    throw new BudgetsSliceError(
      `${flag} ${describeValue(text)} is not <index>/<count>: write e.g. ${flag} 0/4 for the first of four shards`,
    );
  return checkShard({ index: Number(match[1]), count: Number(match[2]) }, flag);
}

/**
 * Reads a command line's `--customer-ids` value, `<from>..<to>` with either end
 * left out (e.g. `0..8`, `8..`).
 *
 * @param text - the flag's value
 * @param flag - the flag's name, for messages
 */
export function parseCustomerIdRangeOption(text: string, flag = "--customer-ids"): CustomerIdRange {
  const match = /^\s*([^.\s]*)\.\.([^.\s]*)\s*$/.exec(text);
  if (!match || (match[1] === "" && match[2] === "")) {
    throw new BudgetsSliceError(
      `${flag} ${describeValue(text)} is not <from>..<to>: write e.g. ${flag} 0..8 (ids from 0 up to, not including, 8), or 8.. for the rest`,
    );
  }
  return checkRange({ ...(match[1] ? { from: match[1] } : {}), ...(match[2] ? { to: match[2] } : {}) }, flag);
}
