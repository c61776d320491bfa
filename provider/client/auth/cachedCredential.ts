import { Secret } from "../../shared/secret";
import { systemClock, type Clock } from "../clock";
import type { TokenCredential } from "./credential";

/** A token and when it stops being valid. */
export interface AcquiredToken {
  readonly accessToken: string;
  /** Milliseconds since the epoch. */
  readonly expiresOn: number;
}

/** Renew this long before expiry (MSAL's own margin is 5 minutes too). */
export const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * One token per provider process while it is valid: shared by every
 * concurrent operation, acquired by one call at a time (single flight),
 * renewed five minutes before expiry, and dropped after a 401 so that the
 * next acquisition bypasses every cache.
 */
export class CachedCredential implements TokenCredential {
  readonly description: string;
  /** Token acquisitions made (for tests and the benchmark). */
  acquisitions = 0;
  readonly #acquire: (forceRefresh: boolean) => Promise<AcquiredToken>;
  readonly #clock: Clock;
  #token: { secret: Secret; expiresOn: number } | undefined;
  #inFlight: Promise<Secret> | undefined;
  #forceRefresh = false;

  /**
   * @param description - what the credential is, for messages
   * @param acquire - gets a token from Entra ID; `forceRefresh` after a 401
   */
  constructor(
    description: string,
    acquire: (forceRefresh: boolean) => Promise<AcquiredToken>,
    clock: Clock = systemClock,
  ) {
    this.description = description;
    this.#acquire = acquire;
    this.#clock = clock;
  }

  /** The cached token, or one acquisition shared by every caller waiting for it. */
  getToken(): Promise<Secret> {
    if (this.#token && this.#token.expiresOn - RENEW_BEFORE_EXPIRY_MS > this.#clock.now())
      return Promise.resolve(this.#token.secret);
    this.#inFlight ??= this.#renew().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  /** Drops the token after Partner Center refused it; the next one bypasses caches. */
  invalidate(): boolean {
    this.#token = undefined;
    this.#forceRefresh = true;
    return true;
  }

  async #renew(): Promise<Secret> {
    const force = this.#forceRefresh;
    this.#forceRefresh = false;
    this.acquisitions += 1;
    const acquired = await this.#acquire(force);
    const secret = new Secret(acquired.accessToken);
    this.#token = { secret, expiresOn: acquired.expiresOn };
    return secret;
  }
}
