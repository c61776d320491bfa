/**
 * Partners' projects in each package layout, made by hand as the package
 * manager makes them (directories and symlinks), from the tarball `npm pack`
 * makes of this tree; nothing is fetched. The package's dependencies are
 * linked from this repository's `node_modules`, `@pulumi/pulumi` among them:
 * the engine tests run the program inline in the test process, and two copies
 * of `@pulumi/pulumi` in one process break registration (packedProject.ts).
 *
 * - `npm`: the package in the project's `node_modules` (npm's flat install).
 * - `workspaces`: npm workspaces; the package hoisted to the root's
 *   `node_modules`, the Pulumi program in a workspace folder below it.
 * - `pnpm`: the package in the `.pnpm` store under a versioned folder, its
 *   dependencies beside it, a symlink to it from the project's `node_modules`.
 * - `link`: `npm link`; a symlink from the project's `node_modules` to a
 *   checkout outside any `node_modules`, with its own dependencies.
 *
 * Each layout can be upgraded in place to another version of the package, as
 * its package manager would: the old version's files are removed.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const REPOSITORY = resolve(__dirname, "../../..");
const PACKAGE = "pulumi-partnercenter";

/** The package layouts a partner's project can have. */
export const LAYOUTS = ["npm", "workspaces", "pnpm", "link"] as const;

/** A package layout. */
export type Layout = (typeof LAYOUTS)[number];

/** A partner's project in one layout. */
export interface LayoutProject {
  /** The Pulumi program's directory: where the engine starts the provider host. */
  readonly programDir: string;
  /** The package's directory as the program's `require` finds it (through symlinks). */
  readonly packageDir: string;
  /** The folder the installed version's files are in: an upgrade removes it, or (npm, workspaces) empties it and installs the next version there. */
  installedFolder(): string;
  /** Replaces the installed package by this tree's tarball under another version number, as the package manager upgrades. */
  upgrade(version: string): void;
  /** Deletes the project. */
  remove(): void;
}

/** Packs this tree once per process (`npm pack --ignore-scripts`: dist/ is already built); the tarball's path. */
let packed: { directory: string; tarball: string } | undefined;
function tarball(): string {
  if (!packed) {
    const directory = mkdtempSync(join(tmpdir(), "pc-pack-"));
    const name = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", directory], {
      cwd: REPOSITORY,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .at(-1)!;
    packed = { directory, tarball: join(directory, name) };
    process.once("exit", () => rmSync(directory, { recursive: true, force: true }));
  }
  return packed.tarball;
}

/** Extracts the tarball into `destination` with the given version in its package.json (the "next version" of an upgrade). */
function extractPackage(destination: string, version?: string): void {
  mkdirSync(destination, { recursive: true });
  execFileSync("tar", ["-xzf", tarball(), "-C", destination, "--strip-components=1"]);
  if (version !== undefined) {
    const manifestPath = join(destination, "package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown>;
    writeFileSync(manifestPath, `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
  }
}

/** The names the package depends on, peers included, from its packed manifest. */
function dependenciesOf(packageDir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  return [...new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})])];
}

/** Links each named package from this repository's node_modules into `modules`. */
function linkFromRepository(modules: string, names: readonly string[]): void {
  for (const name of names) {
    const target = join(REPOSITORY, "node_modules", name);
    if (!existsSync(target)) throw new Error(`${name} is not installed in ${REPOSITORY}/node_modules`);
    const link = join(modules, name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
}

/** Every package this repository has installed (the hoisted set npm would give a project depending on this package). */
function repositoryModules(): string[] {
  const modules = join(REPOSITORY, "node_modules");
  const names: string[] = [];
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith(".") || entry === PACKAGE) continue;
    if (entry.startsWith("@")) for (const scoped of readdirSync(join(modules, entry))) names.push(`${entry}/${scoped}`);
    else names.push(entry);
  }
  return names;
}

function writeManifest(directory: string, manifest: Record<string, unknown>): void {
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** npm's flat install: the package and every dependency side by side in the project's node_modules. */
function npmFlat(root: string): LayoutProject {
  const modules = join(root, "node_modules");
  const packageDir = join(modules, PACKAGE);
  writeManifest(root, {
    name: "partner-budgets",
    private: true,
    dependencies: { [PACKAGE]: "*", "@pulumi/pulumi": "*" },
  });
  extractPackage(packageDir);
  linkFromRepository(modules, repositoryModules());
  return {
    programDir: root,
    packageDir,
    installedFolder: () => packageDir,
    upgrade: (version) => {
      rmSync(packageDir, { recursive: true, force: true });
      extractPackage(packageDir, version);
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** npm workspaces: everything hoisted to the root's node_modules, the program in the `infra` workspace (linked from node_modules as npm does). */
function npmWorkspaces(root: string): LayoutProject {
  const modules = join(root, "node_modules");
  const packageDir = join(modules, PACKAGE);
  const programDir = join(root, "infra");
  writeManifest(root, { name: "partner-monorepo", private: true, workspaces: ["infra"] });
  writeManifest(programDir, { name: "infra", private: true, dependencies: { [PACKAGE]: "*", "@pulumi/pulumi": "*" } });
  extractPackage(packageDir);
  linkFromRepository(modules, repositoryModules());
  symlinkSync("../infra", join(modules, "infra"), "dir");
  return {
    programDir,
    packageDir: join(programDir, "..", "node_modules", PACKAGE),
    installedFolder: () => packageDir,
    upgrade: (version) => {
      rmSync(packageDir, { recursive: true, force: true });
      extractPackage(packageDir, version);
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * pnpm's isolated layout: the package under `node_modules/.pnpm/<name>@<version>/node_modules/<name>`, its
 * dependencies (and peers) as symlinks beside it there, and only the project's direct dependencies linked into the
 * project's node_modules.
 */
function pnpm(root: string): LayoutProject {
  const modules = join(root, "node_modules");
  const link = join(modules, PACKAGE);
  writeManifest(root, {
    name: "partner-budgets",
    private: true,
    dependencies: { [PACKAGE]: "*", "@pulumi/pulumi": "*" },
  });
  let storeFolder = "";
  const install = (version?: string) => {
    const staged = mkdtempSync(join(tmpdir(), "pc-pnpm-stage-"));
    try {
      extractPackage(staged, version);
      const actual = (JSON.parse(readFileSync(join(staged, "package.json"), "utf8")) as { version: string }).version;
      storeFolder = join(modules, ".pnpm", `${PACKAGE}@${actual}`);
      const storeModules = join(storeFolder, "node_modules");
      const packageDir = join(storeModules, PACKAGE);
      mkdirSync(storeModules, { recursive: true });
      execFileSync("cp", ["-r", staged, packageDir]);
      linkFromRepository(storeModules, dependenciesOf(packageDir));
      rmSync(link, { force: true });
      // pnpm links relatively: node_modules/<name> -> .pnpm/<name>@<version>/node_modules/<name>.
      symlinkSync(join(".pnpm", `${PACKAGE}@${actual}`, "node_modules", PACKAGE), link, "dir");
    } finally {
      rmSync(staged, { recursive: true, force: true });
    }
  };
  install();
  linkFromRepository(modules, ["@pulumi/pulumi"]);
  return {
    programDir: root,
    packageDir: link,
    installedFolder: () => storeFolder,
    upgrade: (version) => {
      const old = storeFolder;
      install(version);
      rmSync(old, { recursive: true, force: true });
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** `npm link`: the project's node_modules links to a checkout elsewhere, which has its own node_modules. */
function npmLink(root: string): LayoutProject {
  const programDir = join(root, "project");
  const modules = join(programDir, "node_modules");
  const link = join(modules, PACKAGE);
  writeManifest(programDir, {
    name: "partner-budgets",
    private: true,
    dependencies: { [PACKAGE]: "*", "@pulumi/pulumi": "*" },
  });
  let checkout = "";
  let checkouts = 0;
  const install = (version?: string) => {
    checkout = join(root, `checkout-${++checkouts}`, PACKAGE);
    extractPackage(checkout, version);
    linkFromRepository(join(checkout, "node_modules"), repositoryModules());
    mkdirSync(modules, { recursive: true });
    rmSync(link, { force: true });
    symlinkSync(checkout, link, "dir");
  };
  install();
  linkFromRepository(modules, ["@pulumi/pulumi"]);
  return {
    programDir,
    packageDir: link,
    installedFolder: () => checkout,
    upgrade: (version) => {
      const old = dirname(checkout);
      install(version);
      rmSync(old, { recursive: true, force: true });
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Makes a project in the given layout with this tree's package installed. */
export function layoutProject(layout: Layout): LayoutProject {
  const root = mkdtempSync(join(tmpdir(), `pc-layout-${layout}-`));
  try {
    switch (layout) {
      case "npm":
        return npmFlat(root);
      case "workspaces":
        return npmWorkspaces(root);
      case "pnpm":
        return pnpm(root);
      case "link":
        return npmLink(root);
    }
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
