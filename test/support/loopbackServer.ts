/** A real HTTP server on 127.0.0.1 for answers the emulator never gives (a hostile or broken peer). */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A started server: its origin, what it received, and how to stop it. */
export interface LoopbackServer {
  server: Server;
  origin: string;
  /** Every request: method, path and headers (names lowercase). */
  received: { method: string; path: string; headers: IncomingMessage["headers"] }[];
  stop(): Promise<void>;
}

/** Starts a server whose handler answers each request. */
export async function startLoopbackServer(
  handler: (req: IncomingMessage, res: ServerResponse, origin: string) => void,
): Promise<LoopbackServer> {
  const received: LoopbackServer["received"] = [];
  let origin = "";
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers });
    req.resume();
    req.on("end", () => handler(req, res, origin));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    origin,
    received,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
