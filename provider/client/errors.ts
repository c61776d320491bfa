import { settingName } from "../shared/settingNames";
import { PartnerCenterError } from "../shared/errors";

/** The ids and target of one request: what a support ticket with Microsoft needs. */
export interface RequestIdentity {
  /** The customer tenant id the request was about, when it was about one. */
  readonly customerId?: string;
  /** What was asked for, in words ("usage budget", "customer list"): how a message names it. */
  readonly subject: string;
  /** HTTP method. */
  readonly method: string;
  /** The path requested, relative to the endpoint. */
  readonly path: string;
  /** `MS-RequestId` sent (and kept across retries). */
  readonly requestId: string;
  /** `MS-CorrelationId` sent (one per resource operation). */
  readonly correlationId: string;
}

/** Partner Center's own description of a failure, as parsed from the body. */
export interface ServiceFault {
  /** Partner Center's error code (an int in the schema, a string in the .NET SDK). */
  readonly code?: string;
  /** Partner Center's description, or a summary of a body that was not an error document. */
  readonly description?: string;
}

function subject(identity: RequestIdentity): string {
  return identity.customerId ? `${identity.subject} of customer ${identity.customerId}` : identity.subject;
}

function ids(identity: RequestIdentity, responseRequestId?: string): string {
  const requestId = responseRequestId && responseRequestId !== identity.requestId
    ? `${identity.requestId}, answered as ${responseRequestId}`
    : identity.requestId;
  return `MS-RequestId ${requestId}, MS-CorrelationId ${identity.correlationId}`;
}

/** Partner Center's code for "no customer with this tenant id" (HTTP 404). */
export const CUSTOMER_NOT_FOUND = "60003";

/** Partner Center's code for "no commerce relationship with the customer" (HTTP 403). */
export const NO_RELATIONSHIP = "20002";

/** Partner Center's code for an App+User token without the MFA claim (HTTP 401), enforced on App+User calls since April 2026. */
export const MFA_REQUIRED = "900421";

/** What a partner can do about a status or code that Partner Center documents. */
function hintFor(status: number, code: string | undefined): string | undefined {
  if (code === NO_RELATIONSHIP || (status === 403 && code === undefined)) {
    return "the partner has no commerce relationship with this customer (or the credential lacks the role): check customerId and the reseller relationship";
  }
  if (code === CUSTOMER_NOT_FOUND) return "Partner Center knows no customer with this tenant id: check customerId";
  if (status === 404) return `this is not Partner Center's answer about a customer (it has no code 60003): check ${settingName("endpoint")} and any proxy or gateway in between`;
  if (code === "900118") return "Partner Center rejected the customer id: check customerId";
  if (code === MFA_REQUIRED) return "Partner Center requires App+User tokens from a multi-factor sign-in: obtain the refresh token again, signing in with MFA";
  if (status === 401) return "the credential was refused: check that the token is current and issued for https://api.partnercenter.microsoft.com";
  if (status === 429) return "Partner Center is throttling this partner: wait and try again with fewer operations at once";
  if (status >= 500) return "Partner Center or its gateway failed: try again later";
  return undefined;
}

/** How a request ended when it was retried or cut short: appended to its message, once. */
function ending(gaveUp: string | undefined): string {
  return gaveUp ? `; ${gaveUp}` : "";
}

/**
 * Partner Center answered with an error status. The message names the
 * customer, the method, the status, Partner Center's code and description,
 * and the request and correlation ids.
 */
export class PartnerCenterStatusError extends PartnerCenterError {
  /** The HTTP status. */
  readonly status: number;
  /** Partner Center's error code, when the body had one. */
  readonly serviceCode?: string;
  /** Partner Center's description, when the body had one. */
  readonly description?: string;
  /** The request that failed. */
  readonly request: RequestIdentity;

  /**
   * @param request - the failed request's identity
   * @param status - the HTTP status
   * @param fault - what the body said
   * @param responseRequestId - `MS-RequestId` of the response, when it differs
   * @param gaveUp - why no further attempt was made, when that is news
   */
  constructor(request: RequestIdentity, status: number, fault: ServiceFault, responseRequestId?: string, gaveUp?: string) {
    const code = fault.code !== undefined ? `, code ${fault.code}` : "";
    const description = fault.description ? `: ${JSON.stringify(fault.description)}` : "";
    const hint = hintFor(status, fault.code);
    super(
      "PC_ERR_RESPONSE",
      `Partner Center answered HTTP ${status}${code} to ${request.method} ${subject(request)}${description}` +
        `${hint ? ` — ${hint}` : ""} (${ids(request, responseRequestId)})${ending(gaveUp)}`,
    );
    this.status = status;
    this.serviceCode = fault.code;
    this.description = fault.description;
    this.request = request;
  }
}

/** The request never got an HTTP answer: connection refused or dropped, DNS, TLS, timeout. */
export class PartnerCenterTransportError extends PartnerCenterError {
  /** The request that failed. */
  readonly request: RequestIdentity;

  /**
   * @param request - the failed request's identity
   * @param endpoint - the endpoint it was sent to
   * @param cause - the network error (or the abort at the operation's deadline)
   * @param gaveUp - why no further attempt was made, when that is news
   */
  constructor(request: RequestIdentity, endpoint: string, cause: unknown, gaveUp?: string) {
    const reason = cause instanceof Error ? `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}` : String(cause);
    super("PC_ERR_TRANSPORT", `${request.method} ${subject(request)} at ${endpoint} got no answer (${reason}) (${ids(request)})${ending(gaveUp)}`, { cause });
    this.request = request;
  }
}

/** Partner Center answered 2xx with a body that is not what the API documents (or one too large, or a continuation that cannot be followed). */
export class UnusableAnswerError extends PartnerCenterError {
  /** The request whose answer could not be used. */
  readonly request: RequestIdentity;

  /**
   * @param request - the request's identity
   * @param problem - what is wrong with the answer
   * @param gaveUp - why no further attempt was made, when that is news
   * @param code - a more precise code (an answer too large, a pause past the deadline)
   */
  constructor(request: RequestIdentity, problem: string, gaveUp?: string, code: "PC_ERR_UNEXPECTED_BODY" | "PC_ERR_BODY_TOO_LARGE" | "PC_ERR_PAUSE_BEYOND_DEADLINE" = "PC_ERR_UNEXPECTED_BODY") {
    super(code, `Partner Center's answer to ${request.method} ${subject(request)} could not be used: ${problem} (${ids(request)})${ending(gaveUp)}`);
    this.request = request;
  }
}

/** A PATCH was answered with another amount than the one sent: nothing is recorded as written. */
export class AmountMismatchError extends PartnerCenterError {
  /** The PATCH. */
  readonly request: RequestIdentity;

  /**
   * @param request - the PATCH's identity
   * @param sent - the amount sent
   * @param reported - the amount Partner Center reports
   */
  constructor(request: RequestIdentity, readonly sent: number | null, readonly reported: number | null) {
    super("PC_ERR_AMOUNT_MISMATCH", `The budget of customer ${request.customerId ?? "?"} was set to ${sent} but Partner Center reports ${reported}; nothing is recorded as written (${ids(request)})`);
    this.request = request;
  }
}
