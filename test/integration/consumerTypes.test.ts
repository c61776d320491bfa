/**
 * The published types in a partner's TypeScript project: the packed package
 * installed beside only what `npm install` would bring (its dependencies,
 * `@pulumi/pulumi`, and the `@types/node` a Pulumi TypeScript project has),
 * compiled by `tsc` with each tsconfig a partner is likely to have: strict,
 * no `esModuleInterop`, no `skipLibCheck`.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { linkPackages, packTarball, productionPackages, REPOSITORY, unpackTarball } from "../support/packedTarball";

/** How long one `tsc` run may take (it reads all of `@pulumi/pulumi`'s declarations: no `skipLibCheck`). */
const TSC_DEADLINE_MS = 150_000;

/** The program: every public entry point, its types used as a partner uses them. */
const CONSUMER_SOURCE = `import * as pulumi from "@pulumi/pulumi";
import { MAX_AMOUNT, PartnerCenterError, UsageBudget, UsageBudgetSet, type OnDelete, type UsageBudgetArgs } from "pulumi-partnercenter";
import { PartnerCenterClient, resolveSettings, type ProviderSettings } from "pulumi-partnercenter/client";
import { PartnerCenterEmulator } from "pulumi-partnercenter/emulator";

const onDelete: OnDelete = "clear";
const args: UsageBudgetArgs = { customerId: "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10", amount: Math.min(1200, MAX_AMOUNT), onDelete };
export const budget = new UsageBudget("contoso", args);
export const amount: pulumi.Output<number | null> = budget.amount;
export const set = new UsageBudgetSet("all", { file: "budgets.yaml" });
export const amounts: pulumi.Output<Record<string, number | null>> = set.amounts;
// The declarations are real, not \`any\`: a wrong type is an error.
// @ts-expect-error customerId is a string
export const wrong = new UsageBudget("wrong", { customerId: 42, amount: 1 });

export async function budgetOf(customerId: string): Promise<string> {
  const emulator: PartnerCenterEmulator = await PartnerCenterEmulator.start({ port: 0 });
  try {
    const settings: ProviderSettings = resolveSettings(undefined, { PARTNERCENTER_ENDPOINT: emulator.endpoint });
    const client: typeof PartnerCenterClient = PartnerCenterClient;
    return \`\${settings.endpoint} \${client.name} \${customerId}\`;
  } catch (error) {
    return error instanceof PartnerCenterError ? error.code : String(error);
  } finally {
    await emulator.stop();
  }
}
`;

/** A program declaring budgets only: the resource entry point, as the README's quick start uses it. */
const RESOURCES_SOURCE = `import { UsageBudget, UsageBudgetSet } from "pulumi-partnercenter";

export const budget = new UsageBudget("contoso", { customerId: "0c1f3a27-5d3b-4c6e-9a51-2f8e7b6d4c10", amount: 1200 });
export const set = new UsageBudgetSet("all", { file: "budgets.yaml" });
`;

/** A partner's tsconfig: strict, nothing that would hide a broken declaration, and the program it compiles. */
interface ConsumerConfig {
  title: string;
  compilerOptions: Record<string, string | boolean>;
  program: "all.ts" | "resources.ts";
}

// ES2020 is the target `pulumi new typescript` writes. The client and the emulator have classes with private `#` fields,
// which declarations can only state for ES2015 and later; the resource entry point also compiles for TypeScript's default.
const CONFIGS: ConsumerConfig[] = [
  {
    title: "module commonjs, moduleResolution node (node10), target es2020",
    compilerOptions: { module: "commonjs", moduleResolution: "node", target: "es2020" },
    program: "all.ts",
  },
  {
    title: "module node16, moduleResolution node16",
    compilerOptions: { module: "node16", moduleResolution: "node16" },
    program: "all.ts",
  },
  {
    title: "module esnext, moduleResolution bundler, target es2020",
    compilerOptions: { module: "esnext", moduleResolution: "bundler", target: "es2020" },
    program: "all.ts",
  },
  {
    title: "module commonjs, moduleResolution node, TypeScript's default target (the resource entry point)",
    compilerOptions: { module: "commonjs", moduleResolution: "node" },
    program: "resources.ts",
  },
];

describe("the published types in a partner's strict TypeScript project (packed package, tsc, no skipLibCheck)", function () {
  this.timeout(CONFIGS.length * TSC_DEADLINE_MS + 60_000);
  let directory: string;
  before(() => {
    directory = mkdtempSync(join(tmpdir(), "pc-consumer-types-"));
    const tarball = packTarball(directory);
    unpackTarball(tarball, join(directory, "node_modules", "pulumi-partnercenter"));
    linkPackages(join(directory, "node_modules"), [...new Set([...productionPackages(), "@types/node"])]);
    writeFileSync(join(directory, "all.ts"), CONSUMER_SOURCE);
    writeFileSync(join(directory, "resources.ts"), RESOURCES_SOURCE);
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it("the project has only the package's production dependencies (no type package a development install adds)", () => {
    const linked = productionPackages();
    assert.ok(linked.includes("@pulumi/pulumi"), "the peer dependency is installed");
    assert.ok(
      !linked.includes("@types/jsonwebtoken") && !linked.includes("typescript") && !linked.includes("mocha"),
      linked.join(", "),
    );
  });

  for (const config of CONFIGS) {
    it(`compiles with ${config.title}`, () => {
      const tsconfig = join(directory, `tsconfig.${CONFIGS.indexOf(config)}.json`);
      writeFileSync(
        tsconfig,
        `${JSON.stringify({ compilerOptions: { strict: true, noEmit: true, ...config.compilerOptions }, files: [config.program] }, null, 2)}\n`,
      );
      const tsc = spawnSync(process.execPath, [join(REPOSITORY, "node_modules/typescript/bin/tsc"), "-p", tsconfig], {
        cwd: directory,
        encoding: "utf8",
        timeout: TSC_DEADLINE_MS,
      });
      assert.equal(tsc.error, undefined, `tsc did not finish: ${String(tsc.error)}`);
      assert.equal(`${tsc.stdout}${tsc.stderr}`.trim(), "", `tsc -p ${tsconfig} reported errors`);
      assert.equal(tsc.status, 0);
    });
  }
});
