import { BudgetsFileError, UnreadableFileError } from "../shared/errors";
import { relativePathBase } from "../shared/paths";
import { readBoundedFile } from "../shared/boundedFile";
import {
  Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Node,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { z } from "zod";
import { describeValue } from "../shared/describe";
import { displayText } from "../shared/untrustedText";
import { amountSchema, customerIdSchema } from "../budget/inputs";
import { MAX_AMOUNT, ON_DELETE_VALUES, type OnDelete } from "../budget/inputValues";

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

const entrySchema = z.strictObject(
  {
    customerId: customerIdSchema,
    amount: amountSchema,
    name: z.string({ error: "name must be a string" }).optional(),
    onDelete: z.enum(ON_DELETE_VALUES, { error: 'onDelete must be "retain" or "clear"' }).optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}: an entry has customerId, amount, name and onDelete`
        : "an entry must be a mapping with customerId and amount",
  },
);

/**
 * Validates entries, each on its own, and rejects duplicate customers.
 *
 * @param entries - the raw entries
 * @param where - describes entry `index` for messages (file, line, position)
 */
export function validateBudgetEntries(entries: readonly unknown[], where: (index: number) => string): BudgetEntry[] {
  return checkBudgetEntries(entries, where, new Map());
}

/**
 * {@link validateBudgetEntries}, with problems a file's text showed in some
 * entries listed in their entry's place, so that one error lists a file's
 * problems in the file's order.
 */
function checkBudgetEntries(
  entries: readonly unknown[],
  where: (index: number) => string,
  found: ReadonlyMap<number, string>,
): BudgetEntry[] {
  const problems: string[] = [];
  const valid: BudgetEntry[] = [];
  const firstSeen = new Map<string, number>();
  entries.forEach((raw, index) => {
    const before = found.get(index);
    if (before !== undefined) problems.push(before);
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${where(index)}: ${issue.message}`);
      return;
    }
    const entry: BudgetEntry = Object.fromEntries(
      Object.entries(parsed.data).filter(([, v]) => v !== undefined),
    ) as unknown as BudgetEntry;
    const earlier = firstSeen.get(entry.customerId);
    if (earlier !== undefined) {
      problems.push(
        `${where(index)}: customer ${entry.customerId} is declared twice (also ${where(earlier)}); keep one entry per customer`,
      );
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
 * keys, with which an entry silently copies another's customer or amount.
 */
function yamlFootguns(document: Document, at: (offset: number) => string): string[] {
  const problems: string[] = [];
  visit(document, {
    Alias(_key, node) {
      problems.push(
        `${at(node.range?.[0] ?? 0)}: the YAML alias ${node.source ? `*${node.source}` : ""} is not allowed in a budgets file: write each entry out in full`,
      );
    },
    Pair(_key, pair) {
      const key = pair.key as Node | null;
      if (isScalar(key) && key.source === "<<")
        problems.push(
          `${at(key.range?.[0] ?? 0)}: YAML merge keys (<<) are not allowed in a budgets file: write each entry out in full`,
        );
    },
  });
  return problems;
}

/**
 * How an amount is written: digits, with decimals or not. No leading zeros
 * (`012` is octal to some readers and to YAML 1.1), no sign but a minus (which
 * the amount rules then refuse, with their own message), no exponent.
 */
const PLAIN_DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** The fix for an amount that is no number at all. */
const GIVE_A_NUMBER = "write a number of 0 or more in plain digits, such as 500, or null to remove the budget";

/**
 * Why an entry's amount, as written, would not be read as what a reviewer
 * sees, or undefined if it would be. YAML reads `~`, `Null`, an empty value,
 * `0x10`, `0o12`, `+5`, `.5`, `1e3` and `.inf` as null or numbers, and YAML
 * 1.1 also `012` (octal), `1_000` and `yes`; so only `null` and
 * {@link PLAIN_DECIMAL} are allowed, judged on the text rather than on what
 * YAML made of it. A quoted amount is text, not a number, and is refused
 * too, rather than converted. Range and cents are left to {@link amountSchema}.
 *
 * @param node - the amount's value node; null when the key has no value node
 */
function amountSpellingProblem(node: Node | null): string | undefined {
  if (node === null || (isScalar(node) && node.type === "PLAIN" && node.source === "" && node.tag === undefined)) {
    return "amount is empty; write `amount: null` to remove the customer's budget, or give a number";
  }
  // A list or a mapping: the amount rules name it.
  if (!isScalar(node)) return undefined;
  if (node.tag !== undefined) {
    const tag = node.tag.replace(/^tag:yaml\.org,2002:/, "!!");
    return `amount has the YAML tag ${tag}, which changes how it is read: remove the tag and ${GIVE_A_NUMBER}`;
  }
  const written = node.source ?? "";
  if (node.type !== "PLAIN") {
    const content = written.trim();
    const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
    const problem = `amount ${describeValue(node.value)} is text, not a number (it is ${quoted ? "quoted" : "a block scalar"})`;
    if (content === "null" || PLAIN_DECIMAL.test(content))
      return `${problem}: write it ${quoted ? "without quotes" : "plainly"}, as ${content}`;
    return `${problem}: ${GIVE_A_NUMBER}`;
  }
  const value: unknown = node.value;
  if (written === "null") return undefined;
  if (value === null)
    return `amount ${written} is YAML for null, which removes the budget: write \`amount: null\` to remove the customer's budget, or give a number`;
  if (typeof value === "number" && PLAIN_DECIMAL.test(written)) {
    if (value === 0 && written.startsWith("-")) return `amount ${written} is zero with a minus sign: write it as 0`;
    // Far out of range: the amount rules say so, which matters more than its digits.
    if (Math.abs(value) > MAX_AMOUNT) return undefined;
    // Digits beyond what a number holds: `5.0000000000000001` reads as 5.
    const canonical = written.includes(".") ? written.replace(/0+$/, "").replace(/\.$/, "") : written;
    if (String(value) !== canonical)
      return `amount ${written} has more digits than a number holds exactly (it reads as ${describeValue(value)}): round it to cents`;
    return undefined;
  }
  if (typeof value === "number") {
    const plain = String(value);
    const fix = Number.isFinite(value) && PLAIN_DECIMAL.test(plain) ? `write it as ${plain}` : GIVE_A_NUMBER;
    return `amount ${written} is not a plain decimal number (YAML reads it as ${describeValue(value)}): ${fix}`;
  }
  if (typeof value === "string") {
    // Only underscores are dropped: whether `1,000` is a thousand or one depends on the reader.
    const digits = written.replaceAll("_", "");
    const fix =
      digits !== written && PLAIN_DECIMAL.test(digits) ? `write it as ${digits}, without separators` : GIVE_A_NUMBER;
    return `amount ${written} is not a number (YAML reads it as the text ${describeValue(value)}): ${fix}`;
  }
  const reads = typeof value === "boolean" ? `the boolean ${value}` : describeValue(value);
  return `amount ${written} is not a number (YAML reads it as ${reads}): ${GIVE_A_NUMBER}`;
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
    throw new BudgetsFileError(
      document.errors.map(
        (error) => `${source} line ${lines.linePos(error.pos[0]).line}: ${error.message.split("\n")[0]}`,
      ),
    );
  }
  const footguns = yamlFootguns(document, (offset) => `${source} line ${lines.linePos(offset).line}`);
  if (footguns.length > 0) throw new BudgetsFileError(footguns);
  let list: Node | null | undefined = document.contents as Node | null;
  if (isMap(list)) list = list.get("budgets", true) as Node | undefined;
  if (!isSeq(list)) {
    throw new BudgetsFileError([
      `${source}: expected a list of budgets (or a mapping with a "budgets" list), e.g.\n    budgets:\n      - customerId: 0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10\n        amount: 500`,
    ]);
  }
  const items = list.items as Node[];
  const raw = items.map((item) => (item as { toJSON(): unknown }).toJSON());
  const entryLabel = (index: number): string => {
    const customer = (raw[index] as { customerId?: unknown } | null)?.customerId;
    return `entry ${index + 1}${typeof customer === "string" ? ` (customer ${displayText(customer, 64)})` : ""}`;
  };
  const amountProblems = new Map<number, string>();
  items.forEach((item, index) => {
    if (!isMap(item)) return;
    const pair = item.items.find((candidate) => isScalar(candidate.key) && candidate.key.value === "amount");
    if (pair === undefined) return;
    const value = pair.value as Node | null;
    const problem = amountSpellingProblem(value);
    if (problem === undefined) return;
    // The value's own place (a JSON file may be one line), or the key's when the value is missing.
    const offset =
      value?.range && value.range[1] > value.range[0] ? value.range[0] : ((pair.key as Node).range?.[0] ?? 0);
    const { line, col } = lines.linePos(offset);
    amountProblems.set(index, `${source} line ${line}, column ${col}, ${entryLabel(index)}: ${problem}`);
    // Reported above; the amount rules would only repeat it, less clearly.
    (raw[index] as Record<string, unknown>)["amount"] = null;
  });
  return checkBudgetEntries(
    raw,
    (index) => {
      const range = items[index]?.range;
      return `${source}${range ? ` line ${lines.linePos(range[0]).line}` : ""}, ${entryLabel(index)}`;
    },
    amountProblems,
  );
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
 * Says something about an entry in one line, put as a YAML comment beside its
 * amount (for reviewers; comments are never read back as data).
 */
export type AmountComment = (entry: BudgetEntry) => string;

/** An entry as a file holds it (`+ 0` turns -0, which YAML would write as `-0`, an amount the file rules refuse, into 0). */
function plainEntry(entry: BudgetEntry): Record<string, unknown> {
  return {
    customerId: entry.customerId,
    name: entry.name,
    amount: entry.amount === null ? null : entry.amount + 0,
    onDelete: entry.onDelete,
  };
}

/**
 * Entries as block YAML: a whole file's `budgets:` mapping, or a bare list
 * (what `export --update` appends to a file's list).
 *
 * @param entries - the budgets
 * @param shape - `file` for the `budgets:` mapping, `list` for the list alone
 * @param comment - when given, each entry's comment beside its amount, made one line fit to show first
 */
export function budgetsYaml(entries: readonly BudgetEntry[], shape: "file" | "list", comment?: AmountComment): string {
  const list = entries.map(plainEntry);
  const document = new Document(shape === "file" ? { budgets: list } : list);
  if (comment !== undefined) {
    const items = ((shape === "file" ? document.get("budgets", true) : document.contents) as YAMLSeq)
      .items as YAMLMap[];
    items.forEach((item, index) => {
      // One line whatever it holds: a line break would start YAML that is read as data.
      (item.get("amount", true) as Scalar).comment = ` ${displayText(comment(entries[index]!), 300)}`;
    });
  }
  // lineWidth 0: a long name stays on its `name:` line, so that no line of the file begins with text from outside.
  return document.toString({ nullStr: "null", lineWidth: 0 });
}

/**
 * Writes entries as a budgets file.
 *
 * @param entries - the budgets
 * @param format - YAML (with `header` as a comment) or JSON
 * @param header - lines to put on top of a YAML file
 * @param comment - YAML only: each entry's comment beside its amount (JSON has no comments: giving one with JSON throws)
 */
export function formatBudgetsFile(
  entries: readonly BudgetEntry[],
  format: "yaml" | "json",
  header: string[] = [],
  comment?: AmountComment,
): string {
  if (format === "json") {
    if (comment !== undefined)
      throw new TypeError("formatBudgetsFile: JSON has no comments; write YAML to have comments beside the amounts");
    return `${JSON.stringify({ budgets: entries.map(plainEntry) }, null, 2)}\n`;
  }
  return `${header.map((line) => `# ${line}\n`).join("")}${budgetsYaml(entries, "file", comment)}`;
}
