import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "../../..");

/** Every TypeScript file under a directory of the repository, relative to the repository. */
function sources(directory: string): string[] {
  return readdirSync(join(ROOT, directory)).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The repository files a source imports (relative imports only), relative to the repository. */
function localImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)].map((match) =>
    relative(ROOT, resolve(ROOT, dirname(file), match[1]!)),
  );
}

/**
 * The provider's layers, lowest first: a module may import its own layer and the layers below it, never one above.
 * The entry points (index.ts, library.ts, entryPoint.ts, budgetMapEntryPoint.ts) sit at provider/ itself, above all.
 */
const LAYERS = ["shared", "client", "budget", "settings", "runtime", "gitops", "resource", "cli"] as const;

/** A provider file's layer: the index of its folder in {@link LAYERS}, or the top for the entry points. */
function layerOf(path: string): number {
  const folder = /^provider\/([^/]+)\//.exec(path)?.[1];
  if (folder === undefined) return LAYERS.length;
  const index = (LAYERS as readonly string[]).indexOf(folder);
  if (index < 0)
    throw new Error(`${path} is in provider/${folder}/, which is not a layer: add it to LAYERS where it belongs`);
  return index;
}

describe("the layers' dependencies point one way", () => {
  it("every provider module sits in a layer's folder, and imports only its own layer and those below", () => {
    const wrong = sources("provider").flatMap((file) =>
      localImports(file)
        .filter((target) => layerOf(target) > layerOf(file))
        .map(
          (target) =>
            `${file} (${LAYERS[layerOf(file)] ?? "entry point"}) → ${target} (${LAYERS[layerOf(target)] ?? "entry point"})`,
        ),
    );
    assert.deepEqual(wrong, []);
  });

  it("only the entry points sit at provider/ itself", () => {
    const loose = sources("provider").filter((file) => !file.slice("provider/".length).includes("/"));
    assert.deepEqual(loose.sort(), [
      "provider/budgetMapEntryPoint.ts",
      "provider/entryPoint.ts",
      "provider/index.ts",
      "provider/library.ts",
    ]);
  });

  it("the emulator imports nothing of the provider", () => {
    const wrong = sources("emulator").flatMap((file) =>
      localImports(file)
        .filter((target) => !target.startsWith("emulator/"))
        .map((target) => `${file} → ${target}`),
    );
    assert.deepEqual(wrong, []);
  });

  it("a program that imports the package (and the host module an installed UsageBudget names) loads neither the client (its amount rules aside) nor MSAL nor undici", () => {
    const script = `require("pulumi-partnercenter"); require("pulumi-partnercenter/host");
      console.log(JSON.stringify(Object.keys(require.cache)));`;
    const loaded = JSON.parse(
      execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }),
    ) as string[];
    const heavy = loaded
      .map((file) => relative(ROOT, file).split("\\").join("/"))
      .filter((file) =>
        /^dist\/provider\/(client\/(?!wire\/amount\.js)|runtime\/|resource\/(lifecycle|budgetMapLifecycle)\.js|settings\/credentials\.js)|^node_modules\/(@azure\/msal-node|undici)\//.test(
          file,
        ),
      );
    assert.deepEqual(heavy, []);
  });
});
