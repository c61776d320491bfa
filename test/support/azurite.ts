/**
 * Azurite, Microsoft's Azure Storage emulator (the dev dependency), serving
 * Blob storage on 127.0.0.1: the state backend a Microsoft shop picks, for
 * the engine tests and the scale benchmark. In-memory, telemetry off, a free
 * port; {@link Azurite.stop} ends the process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { request } from "node:http";
import { tmpdir } from "node:os";

/** Azurite's well-known development account (docs: "Azurite, well-known storage account and key"); not a secret. */
export const AZURITE_ACCOUNT = "devstoreaccount1";
/** Azurite's well-known development account key, public in Microsoft's documentation. */
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/** The Blob REST API version the requests below are signed for. */
const API_VERSION = "2021-12-02";
/** How long Azurite may take to say where it listens, and to exit after SIGTERM. */
const START_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 10_000;
/** How long one REST request may take. */
const REQUEST_DEADLINE_MS = 30_000;
/** Azurite's line once it listens; the port it picked from 0. */
const LISTENING = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/;
/** At most this much of Azurite's output is kept for an error message. */
const OUTPUT_LIMIT = 4096;

/** One answer of the Blob REST API. */
export interface BlobAnswer {
  status: number;
  body: Buffer;
}

/** A running Azurite Blob service. */
export class Azurite {
  private constructor(
    readonly process: ChildProcess,
    /** The port it listens on, on 127.0.0.1. */
    readonly port: number,
  ) {}

  /**
   * Starts `azurite-blob` on a free port of 127.0.0.1, in memory, telemetry off (it would otherwise call out).
   *
   * @param extentMemoryLimitMb - the most memory its blob contents may take. Overwritten blobs are freed only by its
   *   garbage collection, every 10 minutes, so a stack rewriting a 2 MB checkpoint thousands of times needs gigabytes.
   */
  static async start(extentMemoryLimitMb = 1_024): Promise<Azurite> {
    const main = require.resolve("azurite/dist/src/blob/main.js");
    const child = spawn(
      process.execPath,
      [
        main,
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        "0",
        "--inMemoryPersistence",
        "--disableTelemetry",
        "--extentMemoryLimit",
        String(extentMemoryLimitMb),
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
        // Its own working directory would get nothing in memory mode, but Azurite must not write into the repository.
        cwd: tmpdir(),
      },
    );
    let output = "";
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`Azurite did not listen within ${START_DEADLINE_MS} ms: ${output}`)),
        START_DEADLINE_MS,
      );
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(error);
      };
      const read = (chunk: Buffer): void => {
        output = (output + chunk.toString("utf8")).slice(-OUTPUT_LIMIT);
        const match = LISTENING.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.once("error", fail);
      child.once("exit", (code) => fail(new Error(`Azurite exited (${code}) before it listened: ${output}`)));
    });
    // Its access log stays unread; draining keeps a full pipe from blocking it.
    child.stdout!.resume();
    child.stderr!.resume();
    return new Azurite(child, port);
  }

  /** The state backend URL the Pulumi CLI logs in with (gocloud's azblob driver, `localemu` for the emulator's path-style URLs). */
  backendUrl(container: string): string {
    return `azblob://${container}?domain=127.0.0.1:${this.port}&protocol=http&localemu=true`;
  }

  /** The CLI's environment for {@link backendUrl}: the well-known account and key. */
  backendEnv(): Record<string, string> {
    return { AZURE_STORAGE_ACCOUNT: AZURITE_ACCOUNT, AZURE_STORAGE_KEY: AZURITE_KEY };
  }

  /** Creates a container (the CLI needs it to exist); fails unless Azurite answers 201. */
  async createContainer(container: string): Promise<void> {
    const answer = await this.send("PUT", `/${container}`, { restype: "container" });
    if (answer.status !== 201)
      throw new Error(
        `Azurite: creating container ${container} answered ${answer.status}: ${answer.body.toString("utf8").slice(0, 500)}`,
      );
  }

  /** The names of the blobs in a container (one page of up to 5,000: the tests' containers hold a few). */
  async listBlobs(container: string): Promise<string[]> {
    const answer = await this.send("GET", `/${container}`, { comp: "list", restype: "container" });
    if (answer.status !== 200) throw new Error(`Azurite: listing ${container} answered ${answer.status}`);
    return [...answer.body.toString("utf8").matchAll(/<Name>([^<]*)<\/Name>/g)].map((match) => match[1]!);
  }

  /** A blob's content; undefined when there is none. */
  async readBlob(container: string, name: string): Promise<Buffer | undefined> {
    const answer = await this.send("GET", `/${container}/${name.split("/").map(encodeURIComponent).join("/")}`, {});
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw new Error(`Azurite: reading ${container}/${name} answered ${answer.status}`);
    return answer.body;
  }

  /**
   * One Blob REST request with no body, authorized with the account key
   * (Shared Key: an HMAC-SHA256 of the canonical request, as the Azure SDKs sign).
   */
  send(method: "GET" | "PUT" | "DELETE", path: string, query: Record<string, string>): Promise<BlobAnswer> {
    const fullPath = `/${AZURITE_ACCOUNT}${path}`;
    const headers: Record<string, string> = { "x-ms-date": new Date().toUTCString(), "x-ms-version": API_VERSION };
    const canonicalHeaders = Object.keys(headers)
      .sort()
      .map((name) => `${name}:${headers[name]}\n`)
      .join("");
    const canonicalQuery = Object.keys(query)
      .sort()
      .map((name) => `\n${name}:${query[name]}`)
      .join("");
    // VERB, then eleven standard headers (all empty here: no body, no conditions), then the x-ms- headers and the resource.
    const toSign = `${method}\n${"\n".repeat(11)}${canonicalHeaders}/${AZURITE_ACCOUNT}${fullPath}${canonicalQuery}`;
    const signature = createHmac("sha256", Buffer.from(AZURITE_KEY, "base64")).update(toSign, "utf8").digest("base64");
    const search = new URLSearchParams(query).toString();
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: "127.0.0.1",
          port: this.port,
          method,
          path: `${fullPath}${search ? `?${search}` : ""}`,
          headers: { ...headers, authorization: `SharedKey ${AZURITE_ACCOUNT}:${signature}`, "content-length": "0" },
          timeout: REQUEST_DEADLINE_MS,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.once("end", () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks) }));
          incoming.once("error", reject);
        },
      );
      outgoing.once("timeout", () =>
        outgoing.destroy(new Error(`Azurite: ${method} ${path} took more than ${REQUEST_DEADLINE_MS} ms`)),
      );
      outgoing.once("error", reject);
      outgoing.end();
    });
  }

  /** Stops Azurite: SIGTERM, then SIGKILL if it has not exited within the deadline. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, "exit");
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), STOP_DEADLINE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
