/** Partner Center clients as the tests make them: a bearer token or a credential, and retries that take no time. */
import type { PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { StaticTokenCredential, type TokenCredential } from "../../provider/client/auth";
import { PartnerCenterClient, type PartnerCenterClientOptions } from "../../provider/client/partnerCenter";
import type { RetryPolicy } from "../../provider/client/retry/retry";
import { Secret } from "../../provider/shared/secret";
import type { LoopbackServer } from "./loopbackServer";

/** The client's options besides where it sends and how it authenticates. */
export type ClientOptions = Omit<PartnerCenterClientOptions, "endpoint" | "credential">;

/** Retries `maxRetries` times, each after 1 ms at most: a test of giving up takes no time. */
export function fastRetry(maxRetries: number): RetryPolicy {
  return { maxRetries, baseDelayMs: 1, maxDelayMs: 1 };
}

/**
 * A client of the service at `endpoint`.
 *
 * @param auth - a bearer token (sent as it is) or a credential
 * @param options - the rest of the client's options (the client's own defaults where not given)
 */
export function testClient(
  endpoint: string,
  auth: string | TokenCredential,
  options: ClientOptions = {},
): PartnerCenterClient {
  const credential = typeof auth === "string" ? new StaticTokenCredential(new Secret(auth)) : auth;
  return new PartnerCenterClient({ endpoint, credential, ...options });
}

/** A client of the emulator with its own development token, unless `credential` is given. */
export function emulatorClient(
  emulator: PartnerCenterEmulator,
  options: ClientOptions = {},
  credential?: TokenCredential,
): PartnerCenterClient {
  return testClient(emulator.endpoint, credential ?? emulator.accessToken, options);
}

/**
 * Runs `use` with a client of a loopback server, then closes the client and stops the server, whether `use` succeeded or not.
 *
 * @param auth - a bearer token or a credential, as for {@link testClient}
 * @param options - the client's other options
 */
export async function withLoopbackClient<T>(
  server: LoopbackServer,
  auth: string | TokenCredential,
  options: ClientOptions,
  use: (client: PartnerCenterClient) => Promise<T>,
): Promise<T> {
  const client = testClient(server.origin, auth, options);
  try {
    return await use(client);
  } finally {
    await client.close();
    await server.stop();
  }
}
