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
}

/** Where the checkpoint of a stack lives under a DIY backend's root: `.pulumi/stacks/<project>/<stack>.json[.gz|.zst]`. */
const checkpointName = (stackName: string): RegExp => new RegExp(`^\\.pulumi/stacks/${PROJECT}/${stackName}\\.json(\\.gz|\\.zst)?$`);

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
  };
}

/** Azure Blob on Azurite: one container per cell. */
async function azureBlobBackend(azurite: Azurite, container: string): Promise<CellBackend> {
  await azurite.createContainer(container);
  return {
    state: { url: azurite.backendUrl(container), env: azurite.backendEnv() },
    async checkpointBytes(stackName) {
      const name = (await azurite.listBlobs(container)).find((blob) => checkpointName(stackName).test(blob));
      const content = name === undefined ? undefined : await azurite.readBlob(container, name);
      if (!content) throw new Error(`no checkpoint of ${stackName} in container ${container}`);
      return content.length;
    },
  };
}

/** Opens backends for cells; Azurite starts on first use, and {@link close} stops it. */
export class Backends {
  #azurite: Promise<Azurite> | undefined;
  #containers = 0;

  /** A fresh backend of this kind for one cell. */
  async open(name: BackendName): Promise<CellBackend> {
    if (name === "file") return fileBackend();
    this.#azurite ??= Azurite.start();
    return azureBlobBackend(await this.#azurite, `scale-${++this.#containers}`);
  }

  /** Stops Azurite if it was started. */
  async close(): Promise<void> {
    const azurite = this.#azurite;
    this.#azurite = undefined;
    if (azurite) await (await azurite).stop();
  }
}
