import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { CustomerRecord } from "./seed";

/**
 * The emulator's customers and their budgets, in memory and optionally in a
 * JSON file that is read at start and rewritten after each change.
 */
export class CustomerStore {
  readonly #customers = new Map<string, CustomerRecord>();
  readonly #path: string | undefined;

  /**
   * @param seed - the customers to start with (ignored when `path` exists)
   * @param path - a JSON file to keep the state in
   */
  constructor(seed: readonly CustomerRecord[], path?: string) {
    this.#path = path;
    const initial = path ? (readState(path) ?? seed) : seed;
    for (const customer of initial)
      this.#customers.set(customer.id.toLowerCase(), { ...customer, id: customer.id.toLowerCase() });
    this.#save();
  }

  /** The customer with this tenant id (any case), if known. */
  get(id: string): CustomerRecord | undefined {
    return this.#customers.get(id.toLowerCase());
  }

  /** Every customer, in a stable order (insertion). */
  all(): CustomerRecord[] {
    return [...this.#customers.values()];
  }

  /** Adds or replaces a customer. */
  put(customer: CustomerRecord): void {
    this.#customers.set(customer.id.toLowerCase(), { ...customer, id: customer.id.toLowerCase() });
    this.#save();
  }

  /** Changes a known customer; returns the updated record. */
  update(id: string, change: Partial<Omit<CustomerRecord, "id">>): CustomerRecord {
    const current = this.get(id);
    if (!current) throw new Error(`emulator: no customer ${id}`);
    const updated = { ...current, ...change };
    this.#customers.set(current.id, updated);
    this.#save();
    return updated;
  }

  /** Forgets a customer, as if its tenant were deleted. */
  remove(id: string): void {
    this.#customers.delete(id.toLowerCase());
    this.#save();
  }

  #save(): void {
    if (!this.#path) return;
    const temporary = `${this.#path}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ customers: this.all() }, null, 2)}\n`);
    renameSync(temporary, this.#path);
  }
}

function readState(path: string): CustomerRecord[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as { customers?: CustomerRecord[] };
  if (!Array.isArray(parsed.customers)) throw new Error(`emulator: ${path} has no "customers" array`);
  return parsed.customers;
}
