import { PartnerCenterError } from "./errors";
import { relativePathBase } from "./paths";
import { readBoundedFile, UnreadableFileError } from "./boundedFile";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, visit, type Document, type Node } from "yaml";
import { z } from "zod";
import { amountSchema, customerIdSchema, ON_DELETE_VALUES, type OnDelete } from "./inputs";

/** One customer's budget as a budgets file or a list declares it. */
export interface BudgetEntry {
  /** The customer's tenant id, lowercase. */
  customerId: string;
  /** The budget; null means no budget. */
  amount: number | null;
  /** A label for people (the company name, as `export` writes it); not used to name resources. */
  name?: string;
  /** What deleting the budget's resource does. */
  onDelete?: OnDelete;
}

/** A budgets file or list that cannot be used: every problem, each with its file, line and entry. */
export class BudgetsFileError extends PartnerCenterError {
  /** One line per problem. */
  readonly problems: string[];

  /** @param problems - one line per problem, each with its file, line and entry */
  constructor(problems: string[]) {
    super("PC_ERR_BUDGETS_FILE", problems.length === 1 ? (problems[0] ?? "") : `${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

const entrySchema = z.strictObject(
  {
    customerId: customerIdSchema,
    amount: amountSchema,
    name: z.string({ error: "name must be a string" }).optional(),
    onDelete: z.enum(ON_DELETE_VALUES, { error: 'onDelete must be "retain" or "clear"' }).optional(),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}: an entry has customerId, amount, name and onDelete` : "an entry must be a mapping with customerId and amount") },
);

/**
 * Validates entries, each on its own, and rejects duplicate customers.
 *
 * @param entries - the raw entries
 * @param where - describes entry `index` for messages (file, line, position)
 */
export function validateBudgetEntries(entries: readonly unknown[], where: (index: number) => string): BudgetEntry[] {
  const problems: string[] = [];
  const valid: BudgetEntry[] = [];
  const firstSeen = new Map<string, number>();
  entries.forEach((raw, index) => {
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${where(index)}: ${issue.message}`);
      return;
    }
    const entry: BudgetEntry = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as unknown as BudgetEntry;
    const earlier = firstSeen.get(entry.customerId);
    if (earlier !== undefined) {
      problems.push(`${where(index)}: customer ${entry.customerId} is declared twice (also ${where(earlier)}); keep one entry per customer`);
      return;
    }
    firstSeen.set(entry.customerId, index);
    valid.push(entry);
  });
  if (problems.length > 0) throw new BudgetsFileError(problems);
  return valid;
}

/**
 * YAML that reads differently from how it looks in review: aliases and merge
 * keys (an entry that silently copies another's customer or amount), and an
 * empty `amount:`, which YAML reads as null, "no budget". Removing a budget
 * must be written out as `amount: null`.
 */
function yamlFootguns(document: Document, at: (offset: number) => string): string[] {
  const problems: string[] = [];
  visit(document, {
    Alias(_key, node) {
      problems.push(`${at(node.range?.[0] ?? 0)}: the YAML alias ${node.source ? `*${node.source}` : ""} is not allowed in a budgets file: write each entry out in full`);
    },
    Pair(_key, pair) {
      const key = pair.key as Node | null;
      const value = pair.value as Node | null;
      if (isScalar(key) && key.source === "<<") problems.push(`${at(key.range?.[0] ?? 0)}: YAML merge keys (<<) are not allowed in a budgets file: write each entry out in full`);
      if (isScalar(key) && key.value === "amount" && (value === null || (isScalar(value) && value.source === ""))) {
        problems.push(`${at(key.range?.[0] ?? 0)}: amount is empty; write \`amount: null\` to remove the customer's budget, or give a number`);
      }
    },
  });
  return problems;
}

/**
 * Parses a budgets file's text: YAML or JSON, either a list of entries or a
 * mapping with a `budgets` list.
 *
 * @param text - the file's content
 * @param source - the file's name, for messages
 */
export function parseBudgetsText(text: string, source: string): BudgetEntry[] {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new BudgetsFileError(document.errors.map((error) => `${source} line ${lines.linePos(error.pos[0]).line}: ${error.message.split("\n")[0]}`));
  }
  const footguns = yamlFootguns(document, (offset) => `${source} line ${lines.linePos(offset).line}`);
  if (footguns.length > 0) throw new BudgetsFileError(footguns);
  let list: Node | null | undefined = document.contents as Node | null;
  if (isMap(list)) list = list.get("budgets", true) as Node | undefined;
  if (!isSeq(list)) {
    throw new BudgetsFileError([`${source}: expected a list of budgets (or a mapping with a "budgets" list), e.g.\n    budgets:\n      - customerId: 0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10\n        amount: 500`]);
  }
  const items = list.items as Node[];
  const raw = items.map((item) => (item as { toJSON(): unknown }).toJSON());
  return validateBudgetEntries(raw, (index) => {
    const item = items[index];
    const line = item?.range ? lines.linePos(item.range[0]).line : undefined;
    const customer = (raw[index] as { customerId?: unknown } | null)?.customerId;
    return `${source}${line === undefined ? "" : ` line ${line}`}, entry ${index + 1}${typeof customer === "string" ? ` (customer ${customer})` : ""}`;
  });
}

/** The largest budgets file read: 8 MiB holds some 50,000 entries. */
export const MAX_BUDGETS_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Reads and validates a budgets file.
 *
 * @param path - the file; a relative path resolves from the working directory, which Pulumi sets to the directory of Pulumi.yaml's `main`
 */
export function readBudgetsFile(path: string): BudgetEntry[] {
  let text: string;
  try {
    text = readBoundedFile(path, MAX_BUDGETS_FILE_BYTES);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    throw new BudgetsFileError([`${path}: ${error.reason}${relativePathBase(path)}`]);
  }
  return parseBudgetsText(text, path);
}

/**
 * Writes entries as a budgets file.
 *
 * @param entries - the budgets
 * @param format - YAML (with `header` as a comment) or JSON
 * @param header - lines to put on top of a YAML file
 */
export function formatBudgetsFile(entries: readonly BudgetEntry[], format: "yaml" | "json", header: string[] = []): string {
  const document = { budgets: entries.map((entry) => ({ customerId: entry.customerId, name: entry.name, amount: entry.amount, onDelete: entry.onDelete })) };
  if (format === "json") return `${JSON.stringify(document, null, 2)}\n`;
  return `${header.map((line) => `# ${line}\n`).join("")}${stringify(document, { nullStr: "null" })}`;
}
