import type { Secret } from "../../shared/secret";

/**
 * The seam every way of authenticating plugs into: the client asks for a
 * bearer token before each request and reports a 401 through `invalidate`.
 */
export interface TokenCredential {
  /** What kind of credential this is, for messages (never the secret itself). */
  readonly description: string;
  /** A bearer token that is valid now. */
  getToken(): Promise<Secret>;
  /**
   * Forgets the current token after Partner Center refused it. Returns true
   * when a different token can be acquired, so that the request is worth
   * retrying once; false when the credential can only give the same token.
   */
  invalidate(): boolean;
}
