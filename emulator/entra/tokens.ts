import { createHash, createPublicKey, generateKeyPairSync, randomUUID, X509Certificate } from "node:crypto";
import jwt from "jsonwebtoken";

/** The audience of Partner Center access tokens. */
export const PARTNER_CENTER_AUDIENCE = "https://api.partnercenter.microsoft.com";
/** The audience Entra ID expects in federated (workload identity) assertions. */
export const FEDERATED_AUDIENCE = "api://AzureADTokenExchange";
/** The issuer of GitHub Actions OIDC tokens. */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/**
 * A verified JWT's claims: the registered ones typed, the rest as decoded
 * JSON. Written here rather than taken from `jsonwebtoken`, whose types are a
 * development dependency a partner's project does not have.
 */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

/** An RSA key pair that signs JWTs, with its key id. */
export class SigningKey {
  readonly kid: string;
  readonly publicKeyPem: string;
  readonly #privateKeyPem: string;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    this.#privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    this.kid = createHash("sha256").update(this.publicKeyPem).digest("base64url").slice(0, 16);
  }

  /** Signs claims as an RS256 JWT valid for `lifetimeSeconds`. */
  sign(claims: Record<string, unknown>, lifetimeSeconds: number): string {
    const now = Math.floor(Date.now() / 1000);
    return jwt.sign(
      { iat: now, nbf: now, exp: now + lifetimeSeconds, jti: randomUUID(), ...claims },
      this.#privateKeyPem,
      { algorithm: "RS256", keyid: this.kid },
    );
  }

  /** The public key as a JSON Web Key. */
  jwk(): Record<string, unknown> {
    return { kid: this.kid, use: "sig", alg: "RS256", ...createPublicKey(this.publicKeyPem).export({ format: "jwk" }) };
  }
}

/**
 * Verifies a JWT's signature, expiry, audience and issuer; returns its claims or the reason it fails.
 *
 * @param token - the JWT
 * @param key - the PEM public key or certificate to check the signature with
 * @param expected - the issuer it must carry, and the audience (not checked when left out: the caller matches it itself)
 */
export function verifyJwt(
  token: string,
  key: string,
  expected: { audience?: string; issuer: string | string[] },
): { claims: JwtClaims } | { error: string } {
  try {
    // RS256, and PS256 as MSAL signs certificate assertions (Entra ID accepts both).
    const claims = jwt.verify(token, key, {
      algorithms: ["RS256", "PS256"],
      ...(expected.audience === undefined ? {} : { audience: expected.audience }),
      issuer: expected.issuer as string | [string, ...string[]],
      clockTolerance: 5,
    });
    return typeof claims === "string" ? { error: "the JWT payload is not a JSON object" } : { claims };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The SHA-256 and SHA-1 thumbprints (base64url) of a PEM certificate, as JWT x5t#S256 and x5t carry them. */
export function thumbprints(certificatePem: string): { sha256: string; sha1: string } {
  const der = new X509Certificate(certificatePem).raw;
  return {
    sha256: createHash("sha256").update(der).digest("base64url"),
    sha1: createHash("sha1").update(der).digest("base64url"),
  };
}
