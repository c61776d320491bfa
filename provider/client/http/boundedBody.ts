/** Reads an HTTP body as text with a size limit: a huge or endless answer is cut off, never buffered whole. */
import type { Readable } from "node:stream";

/**
 * An answer larger than the limit; the connection was closed. Never leaves the client: its readers turn it into the
 * error the user meets (`BodyTooLargeError` with the request's ids, or the credential's error).
 */
export class BodyLimitExceeded extends Error {
  /** @param limitBytes - the limit it passed */
  constructor(readonly limitBytes: number) {
    super(`the answer's body is larger than ${limitBytes} bytes; it was not read`);
  }
}

/**
 * The body as UTF-8 text, or a {@link BodyLimitExceeded} as soon as more
 * than `limitBytes` arrive (the stream is destroyed, freeing the connection).
 */
export async function readBodyText(body: Readable, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += (chunk as Buffer).length;
    if (length > limitBytes) {
      body.destroy();
      throw new BodyLimitExceeded(limitBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, length).toString("utf8");
}
