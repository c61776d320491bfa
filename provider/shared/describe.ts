import { redactSecrets } from "./secret";

/**
 * Renders any value briefly and safely for an error message: strings redacted,
 * then quoted and cut, numbers as written, containers by kind.
 *
 * @param value - the value to describe
 * @returns a short, human-readable rendering such as `"abc"`, `NaN` or `an array`
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "string") {
    // Redacted before it is cut: a secret across the cut would otherwise show its first characters.
    const redacted = redactSecrets(value);
    const shown = redacted.length > 60 ? `${redacted.slice(0, 57)}...` : redacted;
    return JSON.stringify(shown);
  }
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return "an array";
  return `a value of type ${typeof value}`;
}
