import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

/** The examples partners copy: GitHub Actions workflows, Azure Pipelines and the ESC environment. */
export const EXAMPLES = resolve(__dirname, "../../../examples");

/**
 * The Pulumi CLI version every example pipeline runs through `npx --yes pulumi@<version>`, GitHub Actions and
 * Azure Pipelines alike. Change it here and in every pipeline at once.
 */
export const PULUMI_CLI = "3.265.0";

/** Every `pulumi@<version>` that `text` names (the CLI's npm launcher). */
export function pulumiVersions(text: string): string[] {
  return [...text.matchAll(/\bpulumi@([^\s"']+)/g)].map((match) => match[1]!);
}

/** The YAML files of one examples folder, as name and text. */
export function pipelineFiles(folder: string): { name: string; text: string }[] {
  const dir = resolve(EXAMPLES, folder);
  return readdirSync(dir)
    .filter((name) => name.endsWith(".yml"))
    .sort()
    .map((name) => ({ name, text: readFileSync(resolve(dir, name), "utf8") }));
}
