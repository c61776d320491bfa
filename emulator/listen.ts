import type { Server } from "node:net";

/** Starts listening on 127.0.0.1 (port 0 picks a free one). */
export function listenOnLoopback(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
}

/** Stops listening and closes every open connection, keep-alive ones included. */
export function closeServer(server: Server & { closeAllConnections(): void }): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}
