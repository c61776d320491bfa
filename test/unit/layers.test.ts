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
  return [...text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)].map((match) => relative(ROOT, resolve(ROOT, dirname(file), match[1]!)));
}

/**
 * The layers and what each may import (besides packages):
 * resource surface (usageBudget, usageBudgetSet, index) → lifecycle, CLI → client → transport;
 * client/ imports only client/ and the leaves every layer may use (errors.ts, secret.ts, untrustedText.ts,
 * settingNames.ts and runContext.ts: how a message names a setting to whoever runs the process);
 * the emulator imports nothing of the provider.
 */
describe("the layers' dependencies point one way", () => {
  it("provider/client imports only provider/client and the shared leaves", () => {
    const allowed = (target: string): boolean => target.startsWith("provider/client/") || target === "provider/errors" || target === "provider/secret" || target === "provider/untrustedText" || target === "provider/settingNames" || target === "provider/runContext";
    const wrong = sources("provider/client").flatMap((file) => localImports(file).filter((target) => !allowed(target)).map((target) => `${file} → ${target}`));
    assert.deepEqual(wrong, []);
  });

  it("the emulator imports nothing of the provider", () => {
    const wrong = sources("emulator").flatMap((file) => localImports(file).filter((target) => !target.startsWith("emulator/")).map((target) => `${file} → ${target}`));
    assert.deepEqual(wrong, []);
  });

  it("a program that imports the package (and the host module an installed UsageBudget names) loads neither the client (its amount rules aside) nor MSAL nor undici", () => {
    const script = `require("pulumi-partnercenter"); require("pulumi-partnercenter/host");
      console.log(JSON.stringify(Object.keys(require.cache)));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" })) as string[];
    const heavy = loaded
      .map((file) => relative(ROOT, file).split("\\").join("/"))
      .filter((file) => /^dist\/provider\/(client\/(?!amount\.js)|runtime\.js|lifecycle\.js|credentials\.js)|^node_modules\/(@azure\/msal-node|undici)\//.test(file));
    assert.deepEqual(heavy, []);
  });
});
