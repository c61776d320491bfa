/**
 * What a budget amount is, wherever one is compared or read back: the one
 * home of these rules (the client verifies a PATCH with them, the hooks and
 * the CLI compare with them).
 */

/**
 * Whether two budget amounts are the same budget: equal to the cent (so 100
 * and 100.00 match), or both "no budget".
 */
export function sameAmount(a: number | null | undefined, b: number | null | undefined): boolean {
  const left = a ?? null;
  const right = b ?? null;
  if (left === null || right === null) return left === right;
  return Math.round(left * 100) === Math.round(right * 100);
}

/** An amount as recorded in state: a number, or null ("no budget") for anything else. */
export function storedAmount(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}
