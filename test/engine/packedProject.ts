/**
 * A partner's project: this package installed from the tarball `npm pack` makes, into the project's own `node_modules`, as
 * `npm install` puts it. `@pulumi/pulumi` is copied in: its closure
 * serializer finds the package's package.json by resolving from its own
 * location (`runtime/closure/package.js` `getPackageDefinition`), so it must
 * sit in the project as it would after an install. The
 * other dependencies are linked from this repository's `node_modules` (the
 * registry is not asked for them again).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPOSITORY = resolve(__dirname, "../../..");

/** A project directory holding the packed package; `remove` deletes it. */
export interface PackedProject {
  readonly directory: string;
  remove(): void;
}

/** Packs the built package (`npm pack --ignore-scripts`: dist/ is already built) and installs it into a fresh project. */
export function packedProject(): PackedProject {
  const directory = mkdtempSync(join(tmpdir(), "pc-packed-"));
  try {
    const tarball = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", directory], { cwd: REPOSITORY, encoding: "utf8" }).trim().split("\n").at(-1)!;
    const modules = join(directory, "node_modules");
    const installed = join(modules, "pulumi-partnercenter");
    mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", join(directory, tarball), "-C", installed, "--strip-components=1"]);
    writeFileSync(join(directory, "package.json"), `${JSON.stringify({ name: "partner-budgets", private: true, dependencies: { "@pulumi/pulumi": "*", "pulumi-partnercenter": `file:${tarball}` } }, null, 2)}\n`);
    for (const entry of readdirSync(join(REPOSITORY, "node_modules"))) {
      if (entry === "pulumi-partnercenter" || entry === "@pulumi" || entry.startsWith(".")) continue;
      symlinkSync(join(REPOSITORY, "node_modules", entry), join(modules, entry));
    }
    cpSync(join(REPOSITORY, "node_modules/@pulumi/pulumi"), join(modules, "@pulumi/pulumi"), { recursive: true });
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}
