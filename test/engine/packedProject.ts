/**
 * A partner's project: this package installed from the tarball `npm pack`
 * makes, into the project's own `node_modules`, as `npm install` puts it.
 * Its dependencies, `@pulumi/pulumi` among them, are linked from this
 * repository's `node_modules` (the registry is not asked for them again).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { packTarball, unpackTarball } from "../support/packedTarball";

const REPOSITORY = resolve(__dirname, "../../..");

/** A project directory holding the packed package; `remove` deletes it. */
export interface PackedProject {
  readonly directory: string;
  remove(): void;
}

/**
 * Packs the built package (`npm pack --ignore-scripts`: dist/ is already built), or takes the release's tarball, and
 * installs it into a fresh project.
 *
 * @param tarball - a tarball to install instead (the benchmark compares two builds side by side)
 */
export function packedProject(tarball?: string): PackedProject {
  const directory = mkdtempSync(join(tmpdir(), "pc-packed-"));
  try {
    // The tarball a release publishes when the release workflow names it (test/support/packedTarball.ts), else a fresh `npm pack`.
    const packed = tarball === undefined ? basename(packTarball(directory)) : basename(tarball);
    if (tarball !== undefined) copyFileSync(tarball, join(directory, packed));
    const modules = join(directory, "node_modules");
    unpackTarball(join(directory, packed), join(modules, "pulumi-partnercenter"));
    writeFileSync(
      join(directory, "package.json"),
      `${JSON.stringify({ name: "partner-budgets", private: true, dependencies: { "@pulumi/pulumi": "*", "pulumi-partnercenter": `file:${packed}` } }, null, 2)}\n`,
    );
    for (const entry of readdirSync(join(REPOSITORY, "node_modules"))) {
      if (entry === "pulumi-partnercenter" || entry === "@pulumi" || entry.startsWith(".")) continue;
      symlinkSync(join(REPOSITORY, "node_modules", entry), join(modules, entry));
    }
    // Linked, not copied: the engine tests run the program inline in the test process, and two copies of
    // @pulumi/pulumi in one process break registration ("Request message serialization failure: Expected argument of
    // type pulumirpc.RegisterResourceRequest", seen under the CLI). The closure serializer still names the installed
    // package's module through its package.json's exports (runtime/closure/package.js `getPackageDefinition`).
    mkdirSync(join(modules, "@pulumi"), { recursive: true });
    symlinkSync(join(REPOSITORY, "node_modules/@pulumi/pulumi"), join(modules, "@pulumi/pulumi"));
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}
