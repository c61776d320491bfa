import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { dynamicResourceType, serializedProvider } from "../../provider/resource/serializedProvider";

const REPOSITORY = resolve(__dirname, "../../..");
const requireFromString = require("require-from-string") as (code: string) => { handler(): unknown };

describe("the __provider text the package writes", () => {
  it("loaded as the dynamic provider host loads it (require-from-string, no file name), resolves the host from the working directory", () => {
    const program = mkdtempSync(join(tmpdir(), "pc-program-"));
    const before = process.cwd();
    try {
      mkdirSync(join(program, "node_modules"));
      symlinkSync(REPOSITORY, join(program, "node_modules", "pulumi-partnercenter"), "dir");
      process.chdir(program);
      const provider = requireFromString(serializedProvider()).handler();
      assert.equal(provider, require(join(REPOSITORY, "dist/provider/entryPoint.js")));
    } finally {
      process.chdir(before);
      rmSync(program, { recursive: true, force: true });
    }
  });

  it("names the host module, or one of its exports, and nothing else", () => {
    assert.equal(serializedProvider(), 'exports.handler = () => require("pulumi-partnercenter/host");');
    assert.equal(
      serializedProvider("budgetSet"),
      'exports.handler = () => require("pulumi-partnercenter/host").budgetSet;',
    );
    assert.throws(() => serializedProvider("a);process.exit(1);("), /host export .* is not an identifier/);
    assert.equal(
      serializedProvider(undefined, "pulumi-partnercenter/budget-map-host"),
      'exports.handler = () => require("pulumi-partnercenter/budget-map-host");',
    );
  });

  it("types resources as pulumi.dynamic.Resource does with module partnercenter", () => {
    assert.equal(dynamicResourceType("UsageBudget"), "pulumi-nodejs:dynamic/partnercenter:UsageBudget");
    assert.throws(() => dynamicResourceType("Usage Budget"), /resource type "Usage Budget" is not an identifier/);
  });
});
