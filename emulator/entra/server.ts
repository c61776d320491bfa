import { randomBytes, randomUUID, X509Certificate } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { closeServer, listenOnLoopback } from "../listen";
import jwt from "jsonwebtoken";
import { EMULATOR_TLS_CERTIFICATE, EMULATOR_TLS_KEY } from "./testPki";
import {
  FEDERATED_AUDIENCE,
  GITHUB_ISSUER,
  PARTNER_CENTER_AUDIENCE,
  SigningKey,
  thumbprints,
  verifyJwt,
  type JwtClaims,
} from "./tokens";

/** A federated identity credential: tokens from `issuer` about `subject` for `audience` may stand in for the app's secret. */
export interface FederatedCredential {
  issuer: string;
  subject: string;
  /**
   * The audience the assertion must carry (default `api://AzureADTokenExchange`, what GitHub Actions and Azure
   * DevOps are asked for); Pulumi ESC's tokens carry `azure:<pulumi organization>`.
   */
  audience?: string;
}

/** An app registration in the emulated tenant. */
export interface EntraApp {
  clientId: string;
  /** A client secret, if the app has one. */
  secret?: string;
  /** A certificate (PEM) whose key may sign client assertions. */
  certificate?: string;
  /** Federated identity credentials. */
  federated?: FederatedCredential[];
}

/** How to start the emulated Entra ID. */
export interface EntraEmulatorOptions {
  /** Port on 127.0.0.1 (0 picks one). */
  port?: number;
  /** The partner's tenant id. */
  tenantId?: string;
  /** App registrations. */
  apps?: EntraApp[];
  /** Lifetime of issued access tokens (default 3600 s). */
  tokenLifetimeSeconds?: number;
  /** Error descriptions quote the request body back (client secret, assertion, refresh token and all). */
  echoRequestsInErrors?: boolean;
}

/** One call to the token endpoint, for tests to count and inspect. */
export interface TokenRequest {
  grantType: string;
  clientId: string;
  /** Whether a token was issued. */
  issued: boolean;
  /** The AADSTS error, when refused. */
  error?: string;
  /** Whether a client assertion carried the certificate chain (x5c). */
  x5c?: boolean;
  /** The client assertion presented (certificate or federated), for tests that check it never leaks. */
  clientAssertion?: string;
  /** For the refresh-token grant: the refresh token presented, and the one issued in exchange. */
  refreshToken?: { presented: string; issued?: string };
}

/** Claims of an access token this emulator issued. */
export type AccessTokenClaims = JwtClaims;

const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** An Entra error response: `error`, `error_description` with its AADSTS code, and the code list. */
class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    description: string,
  ) {
    super(`AADSTS${code}: ${description}`);
  }
}

/**
 * A local Microsoft Entra ID: HTTPS on 127.0.0.1 with the test certificate,
 * OpenID metadata, and a v2.0 token endpoint for client credentials (secret,
 * certificate assertion, federated assertion) and refresh tokens (each
 * exchange issues a new one; as with Entra ID, the redeemed one is not
 * revoked, so a new process can start again from the stored token). It also plays GitHub Actions' OIDC token service. Access tokens
 * are RS256 JWTs that {@link EntraEmulator.verifyAccessToken} checks.
 */
export class EntraEmulator {
  /** The partner's tenant id. */
  readonly tenantId: string;
  /** Every call to the token endpoint. */
  readonly tokenRequests: TokenRequest[] = [];
  /** Whether error descriptions quote the request body back (settable by tests). */
  echoRequestsInErrors: boolean;
  /** Every path requested (to prove nothing else was called, e.g. instance discovery). */
  readonly paths: string[] = [];
  /** The bearer token GitHub's OIDC endpoint requires (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`). */
  readonly githubRequestToken = `gh-request-${randomBytes(12).toString("hex")}`;
  readonly #apps = new Map<string, EntraApp>();
  readonly #refreshTokens = new Map<string, { clientId: string; mfa: boolean }>();
  readonly #signing = new SigningKey();
  readonly #federatedIssuerKey = new SigningKey();
  readonly #lifetime: number;
  readonly #server: Server;

  private constructor(options: EntraEmulatorOptions) {
    this.tenantId = options.tenantId ?? randomUUID();
    this.#lifetime = options.tokenLifetimeSeconds ?? 3600;
    this.echoRequestsInErrors = options.echoRequestsInErrors ?? false;
    for (const app of options.apps ?? []) this.registerApp(app);
    this.#server = createServer(
      { cert: EMULATOR_TLS_CERTIFICATE, key: EMULATOR_TLS_KEY },
      (req, res) => void this.#handle(req, res),
    );
  }

  /** Starts it on 127.0.0.1. */
  static async start(options: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
    const emulator = new EntraEmulator(options);
    await listenOnLoopback(emulator.#server, options.port ?? 0);
    return emulator;
  }

  /** The authority host URL (`partnercenter:authority`). */
  get authority(): string {
    return `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The issuer of the access tokens it signs. */
  get issuer(): string {
    return `${this.authority}/${this.tenantId}/v2.0`;
  }

  /** GitHub Actions' `ACTIONS_ID_TOKEN_REQUEST_URL`, served here. */
  get githubRequestUrl(): string {
    return `${this.authority}/github/idtoken?api-version=2.0`;
  }

  /** Registers (or replaces) an app. */
  registerApp(app: EntraApp): void {
    this.#apps.set(app.clientId, app);
  }

  /**
   * A refresh token for an app, as the one-time interactive consent would
   * give. The access tokens it (and every refresh token exchanged for it)
   * yields carry `amr: ["pwd", "mfa"]` when the sign-in used MFA (the
   * default), `["pwd"]` when not: what Partner Center checks on App+User calls.
   */
  issueRefreshToken(clientId: string, signIn: { mfa?: boolean } = {}): string {
    const token = `rt-${randomBytes(24).toString("base64url")}`;
    this.#refreshTokens.set(token, { clientId, mfa: signIn.mfa ?? true });
    return token;
  }

  /** A workload identity token (Kubernetes, or any federated issuer this emulator signs for). */
  federatedToken(subject: string, issuer = GITHUB_ISSUER, audience = FEDERATED_AUDIENCE): string {
    return this.#federatedIssuerKey.sign({ iss: issuer, sub: subject, aud: audience }, 600);
  }

  /** Checks an access token's signature, issuer, audience and expiry, as Partner Center does. */
  verifyAccessToken(token: string): { claims: AccessTokenClaims } | { error: string } {
    return verifyJwt(token, this.#signing.publicKeyPem, { audience: PARTNER_CENTER_AUDIENCE, issuer: this.issuer });
  }

  /** {@link verifyAccessToken} in the shape the Partner Center emulator's `tokenVerifier` option takes. */
  tokenVerifier(): (token: string) => string | undefined {
    return (token) => {
      const result = this.verifyAccessToken(token);
      return "error" in result ? result.error : undefined;
    };
  }

  /**
   * Who a valid access token it issued speaks for, in the shape the Partner
   * Center emulator's `tokenIdentity` option takes: a user (a delegated `scp`,
   * not `idtyp: app`) and whether the sign-in was multi-factor (`amr` holds `mfa`).
   */
  tokenIdentity(): (token: string) => { user: boolean; mfa: boolean } {
    return (token) => {
      const result = this.verifyAccessToken(token);
      if ("error" in result) return { user: false, mfa: false };
      const { scp, idtyp, amr } = result.claims as { scp?: unknown; idtyp?: unknown; amr?: unknown };
      return { user: typeof scp === "string" && idtyp !== "app", mfa: Array.isArray(amr) && amr.includes("mfa") };
    };
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    await closeServer(this.#server);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", this.authority);
    this.paths.push(url.pathname);
    const base = `/${this.tenantId}`;
    try {
      if (req.method === "GET" && url.pathname === `${base}/v2.0/.well-known/openid-configuration`)
        return send(res, 200, this.#metadata());
      if (req.method === "GET" && url.pathname === `${base}/discovery/v2.0/keys`)
        return send(res, 200, { keys: [this.#signing.jwk()] });
      if (req.method === "GET" && url.pathname === "/github/idtoken") return this.#github(req, url, res);
      if (req.method === "POST" && url.pathname.endsWith("/oauth2/v2.0/token")) {
        if (!url.pathname.startsWith(`${base}/`))
          throw new EntraError(400, "invalid_request", 90002, `Tenant '${url.pathname.split("/")[1]}' not found.`);
        return send(res, 200, this.#token(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
      }
      send(res, 404, { error: "not_found", error_description: `No endpoint ${url.pathname}` });
    } catch (error) {
      if (!(error instanceof EntraError)) throw error;
      send(res, error.status, {
        error: error.error,
        error_description: `${error.message}${this.echoRequestsInErrors ? ` (request: ${Buffer.concat(chunks).toString("utf8")})` : ""}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
        error_codes: [error.code],
        timestamp: new Date().toISOString(),
      });
    }
  }

  #metadata(): Record<string, unknown> {
    const tenant = `${this.authority}/${this.tenantId}`;
    return {
      issuer: this.issuer,
      token_endpoint: `${tenant}/oauth2/v2.0/token`,
      authorization_endpoint: `${tenant}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${tenant}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${tenant}/oauth2/v2.0/logout`,
      jwks_uri: `${tenant}/discovery/v2.0/keys`,
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      id_token_signing_alg_values_supported: ["RS256"],
      tenant_region_scope: "WW",
      cloud_instance_name: "microsoftonline.com",
    };
  }

  #github(req: IncomingMessage, url: URL, res: ServerResponse): void {
    if (req.headers.authorization !== `Bearer ${this.githubRequestToken}`)
      return send(res, 401, { message: "Bad credentials" });
    const audience = url.searchParams.get("audience") ?? "https://github.com/emulated-org";
    send(res, 200, {
      count: 1,
      value: this.federatedToken("repo:emulated-org/budgets:ref:refs/heads/main", GITHUB_ISSUER, audience),
    });
  }

  #token(form: URLSearchParams): Record<string, unknown> {
    const grantType = form.get("grant_type") ?? "";
    const clientId = form.get("client_id") ?? "";
    const request: TokenRequest = {
      grantType,
      clientId,
      issued: false,
      ...(form.get("client_assertion") ? { clientAssertion: form.get("client_assertion")! } : {}),
    };
    this.tokenRequests.push(request);
    try {
      const app = this.#apps.get(clientId);
      if (!app)
        throw new EntraError(
          400,
          "unauthorized_client",
          700016,
          `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'.`,
        );
      const scopes = (form.get("scope") ?? "").split(" ");
      let response: Record<string, unknown>;
      if (grantType === "client_credentials") {
        if (!scopes.includes(`${PARTNER_CENTER_AUDIENCE}/.default`))
          throw new EntraError(
            400,
            "invalid_scope",
            1002012,
            `The provided value for scope ${form.get("scope")} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
          );
        this.#authenticateClient(app, form, request, true);
        response = this.#accessToken({ appid: clientId, azp: clientId, roles: ["Partner.Center"], idtyp: "app" });
      } else if (grantType === "refresh_token") {
        if (!scopes.some((scope) => scope === `${PARTNER_CENTER_AUDIENCE}/user_impersonation`))
          throw new EntraError(
            400,
            "invalid_scope",
            70011,
            `The provided value for the input parameter 'scope' is not valid.`,
          );
        this.#authenticateClient(app, form, request, false);
        request.refreshToken = { presented: form.get("refresh_token") ?? "" };
        response = this.#refresh(app, request.refreshToken.presented);
        request.refreshToken.issued = String(response.refresh_token);
      } else {
        throw new EntraError(
          400,
          "unsupported_grant_type",
          70003,
          `The app requested an unsupported grant type '${grantType}'.`,
        );
      }
      request.issued = true;
      return response;
    } catch (error) {
      if (error instanceof EntraError) request.error = error.message.split(":")[0];
      throw error;
    }
  }

  /** Checks the secret or client assertion; `required` when the grant needs a confidential client. */
  #authenticateClient(app: EntraApp, form: URLSearchParams, request: TokenRequest, required: boolean): void {
    const secret = form.get("client_secret");
    const assertion = form.get("client_assertion");
    if (secret !== null) {
      if (secret !== app.secret)
        throw new EntraError(
          401,
          "invalid_client",
          7000215,
          "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.",
        );
      return;
    }
    if (assertion !== null) {
      if (form.get("client_assertion_type") !== CLIENT_ASSERTION_TYPE)
        throw new EntraError(
          400,
          "invalid_request",
          900144,
          "The request body must contain the following parameter: 'client_assertion_type'.",
        );
      return this.#verifyAssertion(app, assertion, request);
    }
    if (required || app.secret !== undefined)
      throw new EntraError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
  }

  #verifyAssertion(app: EntraApp, assertion: string, request: TokenRequest): void {
    const decoded = jwt.decode(assertion, { complete: true });
    if (!decoded || typeof decoded.payload === "string")
      throw new EntraError(400, "invalid_client", 50027, "JWT token is invalid or malformed.");
    const payload: jwt.JwtPayload = decoded.payload;
    const header = decoded.header as jwt.JwtHeader & { "x5t#S256"?: string };
    request.x5c = Array.isArray(header.x5c) && header.x5c.length > 0;
    // As Entra ID matches: the issuer, then the subject, then the audience, each with its own error.
    const sameIssuer = app.federated?.filter((credential) => credential.issuer === payload.iss) ?? [];
    if (sameIssuer.length > 0) {
      const result = verifyJwt(assertion, this.#federatedIssuerKey.publicKeyPem, { issuer: String(payload.iss) });
      if ("error" in result)
        throw new EntraError(
          400,
          "invalid_client",
          700027,
          `Client assertion failed signature validation: ${result.error}.`,
        );
      const sameSubject = sameIssuer.filter((credential) => credential.subject === result.claims.sub);
      if (sameSubject.length === 0)
        throw new EntraError(
          400,
          "invalid_client",
          70021,
          `No matching federated identity record found for presented assertion subject '${result.claims.sub}'.`,
        );
      const audiences = [result.claims.aud ?? []].flat();
      if (!sameSubject.some((credential) => audiences.includes(credential.audience ?? FEDERATED_AUDIENCE))) {
        throw new EntraError(
          400,
          "invalid_client",
          700212,
          `No matching federated identity record found for presented assertion audience '${audiences.join(", ")}'.`,
        );
      }
      return;
    }
    if (!app.certificate)
      throw new EntraError(
        400,
        "invalid_client",
        700213,
        `No matching federated identity record found for presented assertion issuer '${payload.iss}'.`,
      );
    const registered = thumbprints(app.certificate);
    if (header["x5t#S256"] !== registered.sha256 && header.x5t !== registered.sha1) {
      throw new EntraError(
        401,
        "invalid_client",
        700027,
        "The certificate with identifier used to sign the client assertion is not registered on application.",
      );
    }
    const result = verifyJwt(
      assertion,
      new X509Certificate(app.certificate).publicKey.export({ type: "spki", format: "pem" }).toString(),
      {
        audience: `${this.authority}/${this.tenantId}/oauth2/v2.0/token`,
        issuer: app.clientId,
      },
    );
    if ("error" in result)
      throw new EntraError(
        401,
        "invalid_client",
        700027,
        `Client assertion failed signature validation: ${result.error}.`,
      );
  }

  #refresh(app: EntraApp, refreshToken: string): Record<string, unknown> {
    const known = this.#refreshTokens.get(refreshToken);
    if (!known || known.clientId !== app.clientId)
      throw new EntraError(
        400,
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid: the refresh token is not valid.",
      );
    const userId = randomUUID();
    const clientInfo = Buffer.from(JSON.stringify({ uid: userId, utid: this.tenantId })).toString("base64url");
    const idToken = this.#signing.sign(
      {
        iss: this.issuer,
        aud: app.clientId,
        sub: userId,
        oid: userId,
        tid: this.tenantId,
        preferred_username: "admin@partner.onmicrosoft.com",
        name: "Partner Admin",
        ver: "2.0",
      },
      this.#lifetime,
    );
    // The sign-in's methods travel with every token the refresh token chain yields: an exchange adds no MFA.
    const amr = known.mfa ? ["pwd", "mfa"] : ["pwd"];
    return {
      ...this.#accessToken({
        appid: app.clientId,
        azp: app.clientId,
        scp: "user_impersonation",
        oid: userId,
        upn: "admin@partner.onmicrosoft.com",
        amr,
      }),
      scope: `${PARTNER_CENTER_AUDIENCE}/user_impersonation`,
      refresh_token: this.issueRefreshToken(app.clientId, { mfa: known.mfa }),
      id_token: idToken,
      client_info: clientInfo,
    };
  }

  #accessToken(claims: Record<string, unknown>): Record<string, unknown> {
    const access = this.#signing.sign(
      { aud: PARTNER_CENTER_AUDIENCE, iss: this.issuer, tid: this.tenantId, ...claims },
      this.#lifetime,
    );
    return { token_type: "Bearer", expires_in: this.#lifetime, ext_expires_in: this.#lifetime, access_token: access };
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}
