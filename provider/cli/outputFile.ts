/**
 * Where `export` writes: checked before anything is read from Partner Center
 * (a directory, a missing folder or a reviewed file without `--force` fails
 * at once), then written whole or not at all.
 */
import { renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { relativePathBase } from "../shared/paths";
import { UsageError } from "../shared/errors";

/** What a path is, or undefined when nothing is there. */
function kindAt(path: string): "file" | "directory" | "other" | undefined {
  try {
    const stats = statSync(path);
    return stats.isFile() ? "file" : stats.isDirectory() ? "directory" : "other";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UsageError(
      `--output ${path} cannot be checked (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})${relativePathBase(path)}`,
    );
  }
}

/**
 * Checks that `export --output path` may write there: a regular file or nothing, in an existing folder, and an
 * existing file only with `force`.
 *
 * @param path - the file to write
 * @param force - whether an existing file may be replaced
 * @throws {@link UsageError} naming the problem and the fix
 */
export function checkOutputTarget(path: string, force: boolean): void {
  const kind = kindAt(path);
  if (kind === "directory")
    throw new UsageError(
      `--output ${path} is a directory${relativePathBase(path)}; give the path of the budgets file to write, such as ${path.replace(/\/+$/, "")}/budgets.yaml`,
    );
  if (kind === "other")
    throw new UsageError(
      `--output ${path} is not a regular file${relativePathBase(path)}; give the path of a budgets file`,
    );
  if (kind === "file" && !force) {
    throw new UsageError(
      `--output ${path} exists and would be replaced, losing its comments, names and onDelete choices${relativePathBase(path)}; ` +
        `use --update ${path} to update its amounts in place and keep the rest, or add --force to replace it`,
    );
  }
  const folder = dirname(path);
  if (kindAt(folder) !== "directory")
    throw new UsageError(
      `--output ${path}: the folder ${folder} does not exist${relativePathBase(folder)}; create it first`,
    );
}

/**
 * Writes a file whole or not at all: a temporary file beside it, then a rename over it.
 *
 * @param path - the file
 * @param text - its new content
 */
export function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.partial`;
  try {
    writeFileSync(temporary, text, { flag: "wx" });
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}
