/**
 * The state backends the scale benchmark measures: the CLI's file backend
 * and Azure Blob served by Azurite on loopback (no latency, no limit).
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Azurite } from "../../test/support/azurite";
import { PROJECT, type StateBackend } from "../../test/engine/stack";

/** A backend's names, for `--backends` and the table. */
export const BACKEND_NAMES = ["file", "azblob"] as const;
/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** A backend opened for one cell: where the CLI logs in, and how big its checkpoint is. */
export interface CellBackend {
  /** Undefined: the stack's own file backend. */
  state: StateBackend | undefined;
  /** The stored checkpoint's size in bytes, as the backend holds it (compressed if the CLI compressed it). */
  checkpointBytes(stackName: string, stackDirectory: string): Promise<number>;
  /** Stops what serves it (Azurite). */
  close(): Promise<void>;
}

/** Where the checkpoint of a stack lives under a DIY backend's root: `.pulumi/stacks/<project>/<stack>.json[.gz|.zst]`. */
const checkpointName = (stackName: string): RegExp =>
  new RegExp(`^\\.pulumi/stacks/${PROJECT}/${stackName}\\.json(\\.gz|\\.zst)?$`);

/** The file backend: the stack's own directory (`<stack directory>/state`). */
function fileBackend(): CellBackend {
  return {
    state: undefined,
    async checkpointBytes(stackName, stackDirectory) {
      const dir = join(stackDirectory, "state", ".pulumi", "stacks", PROJECT);
      const file = readdirSync(dir).find((name) => checkpointName(stackName).test(`.pulumi/stacks/${PROJECT}/${name}`));
      if (!file) throw new Error(`no checkpoint of ${stackName} in ${dir}`);
      return statSync(join(dir, file)).size;
    },
    close: async () => undefined,
  };
}

/**
 * Azure Blob on an Azurite of the cell's own, so the memory of one cell's
 * overwritten checkpoints (freed by Azurite only every 10 minutes) is not
 * the next cell's: the default configuration at 1,000 budgets writes about
 * 6 GB of checkpoints on its two `up`s, and ran a shared Azurite out of its
 * memory limit (the CLI then panicked while saving).
 */
async function azureBlobBackend(): Promise<CellBackend> {
  const azurite = await Azurite.start(AZURITE_MEMORY_MB);
  const container = "state";
  try {
    await azurite.createContainer(container);
  } catch (error) {
    await azurite.stop();
    throw error;
  }
  return {
    state: { url: azurite.backendUrl(container), env: azurite.backendEnv() },
    async checkpointBytes(stackName) {
      const name = (await azurite.listBlobs(container)).find((blob) => checkpointName(stackName).test(blob));
      const content = name === undefined ? undefined : await azurite.readBlob(container, name);
      if (!content) throw new Error(`no checkpoint of ${stackName} in container ${container}`);
      return content.length;
    },
    close: () => azurite.stop(),
  };
}

/** Azurite's memory limit for one cell: enough for the default configuration's 1,000 budgets (see {@link azureBlobBackend}). */
const AZURITE_MEMORY_MB = 8_192;

/** Opens a fresh backend of a kind for one cell. */
export function openBackend(name: BackendName): Promise<CellBackend> {
  return name === "file" ? Promise.resolve(fileBackend()) : azureBlobBackend();
}
