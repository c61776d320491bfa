/**
 * Global CLI flags for every command of a stack. The Automation API takes a
 * fixed set of options per command, so the flags ride on a wrapper: an
 * installation root whose `bin/pulumi` runs the real CLI with them.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Single-quoted for sh. */
const quoted = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * Writes `<directory>/bin/pulumi`, which replaces itself (`exec`, same pid)
 * with `command` given its arguments and then `flags`.
 *
 * @returns the root to give `PulumiCommand.get`
 */
export function wrapCliWithFlags(command: string, flags: readonly string[], directory: string): string {
  const bin = join(directory, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "pulumi"), `#!/bin/sh\nexec ${quoted(command)} "$@" ${flags.map(quoted).join(" ")}\n`);
  chmodSync(join(bin, "pulumi"), 0o755);
  return directory;
}
