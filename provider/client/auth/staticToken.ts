import type { Secret } from "../../shared/secret";
import type { TokenCredential } from "./credential";

/** A bearer token given as is (`partnercenter:accessToken`); it cannot be renewed. */
export class StaticTokenCredential implements TokenCredential {
  readonly description = "the access token from partnercenter:accessToken / PARTNERCENTER_ACCESS_TOKEN";
  readonly #token: Secret;

  /** @param token - the bearer token */
  constructor(token: Secret) {
    this.#token = token;
  }

  /** The configured token. */
  async getToken(): Promise<Secret> {
    return this.#token;
  }

  /** A static token cannot be replaced by another one. */
  invalidate(): boolean {
    return false;
  }
}
