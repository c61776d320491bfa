/**
 * The one base for relative paths a user gives (a `UsageBudgetSet` file,
 * `clientCertificatePath`, `federatedTokenFile`): the working directory.
 * Pulumi runs both the program and the provider in the directory of
 * Pulumi.yaml's `main` (the project directory when `main` is unset), so a
 * path means the same thing in both.
 */
import { isAbsolute, resolve } from "node:path";
import { runContext } from "./runContext";

/** Where a relative path resolves from, in words an error message can carry (the command line's directory is the user's own). */
export function relativePathBase(path: string): string {
  if (isAbsolute(path)) return "";
  const base =
    runContext() === "cli"
      ? "the directory partnercenter-budgets was run in"
      : "the directory Pulumi runs the program in (Pulumi.yaml's `main`, or the project directory)";
  return `; it resolves to ${resolve(path)}: relative paths are taken from ${process.cwd()}, ${base}`;
}
