/**
 * The package as a partner receives it: the tarball `npm pack` makes (the
 * one the release workflow publishes), unpacked into a project's
 * `node_modules`, with the packages it depends on linked from this
 * repository's `node_modules` (nothing is fetched).
 *
 * `PARTNERCENTER_PACKED_TARBALL` names a tarball packed before the tests
 * ran: the release workflow packs once, runs the tests on that file and
 * publishes that same file.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** The repository root (this file runs from dist/test/support/). */
export const REPOSITORY = resolve(__dirname, "../../..");
/** The variable naming a tarball packed before the tests ran. */
export const PACKED_TARBALL_VARIABLE = "PARTNERCENTER_PACKED_TARBALL";
/** How long `npm pack` and `tar` may take. */
const COMMAND_DEADLINE_MS = 120_000;

/** The fields of a package.json the helpers read. */
export interface PackageManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** Reads a package.json. */
export function readManifest(path: string): PackageManifest {
  return JSON.parse(readFileSync(path, "utf8")) as PackageManifest;
}

/**
 * Puts the package's tarball into `destination` and returns its path: the
 * one `PARTNERCENTER_PACKED_TARBALL` names (copied), else a fresh `npm pack`
 * of the built `dist/` (`--ignore-scripts`: the build has run already).
 */
export function packTarball(destination: string): string {
  const given = process.env[PACKED_TARBALL_VARIABLE];
  if (given) {
    if (!given.endsWith(".tgz") || !existsSync(given) || !statSync(given).isFile()) {
      throw new Error(
        `${PACKED_TARBALL_VARIABLE}=${given} is not a .tgz file: set it to the path \`npm pack\` printed, or unset it to pack here`,
      );
    }
    const copy = join(destination, basename(given));
    copyFileSync(given, copy);
    return copy;
  }
  const printed = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", destination], {
    cwd: REPOSITORY,
    encoding: "utf8",
    timeout: COMMAND_DEADLINE_MS,
  });
  const [packed] = JSON.parse(printed) as { filename: string }[];
  if (!packed) throw new Error(`npm pack printed no tarball: ${printed.slice(0, 500)}`);
  return join(destination, packed.filename);
}

/** Unpacks a tarball's `package/` into `directory` (made if missing), as npm installs it. */
export function unpackTarball(tarball: string, directory: string): void {
  mkdirSync(directory, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", directory, "--strip-components=1"], { timeout: COMMAND_DEADLINE_MS });
}

/** Where a package named `name` resolves from a package directory, as Node looks it up (own node_modules, then each parent's). */
function resolvePackage(name: string, from: string, top: string): string | undefined {
  for (let directory = from; ; directory = dirname(directory)) {
    const candidate = join(directory, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (directory === top || dirname(directory) === directory) return undefined;
  }
}

/**
 * The top-level entries of this repository's `node_modules` that the
 * package's dependencies and peer dependency need at run time, with theirs:
 * what `npm install pulumi-partnercenter` puts beside it. Development
 * dependencies (type packages among them) are not in it.
 */
export function productionPackages(): string[] {
  const modules = join(REPOSITORY, "node_modules");
  const root = readManifest(join(REPOSITORY, "package.json"));
  const topLevel = new Set<string>();
  const seen = new Set<string>();
  const queue: { name: string; from: string }[] = [
    ...Object.keys(root.dependencies ?? {}),
    ...Object.keys(root.peerDependencies ?? {}),
  ].map((name) => ({ name, from: REPOSITORY }));
  while (queue.length > 0) {
    const { name, from } = queue.shift()!;
    const found = resolvePackage(name, from, REPOSITORY);
    if (!found || seen.has(found)) continue;
    seen.add(found);
    if (dirname(found) === modules || dirname(dirname(found)) === modules) topLevel.add(name);
    const manifest = readManifest(join(found, "package.json"));
    const requiredPeers = Object.keys(manifest.peerDependencies ?? {}).filter(
      (peer) => !manifest.peerDependenciesMeta?.[peer]?.optional,
    );
    for (const next of [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...requiredPeers,
    ])
      queue.push({ name: next, from: found });
  }
  return [...topLevel].sort();
}

/** Links the named entries of this repository's `node_modules` into a project's `node_modules`. */
export function linkPackages(projectModules: string, names: readonly string[]): void {
  for (const name of names) {
    const target = join(projectModules, name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(REPOSITORY, "node_modules", name), target, "dir");
  }
}
