/**
 * The package's error taxonomy, in undici's manner: every error a user or a
 * program can meet is a {@link PartnerCenterError} with a stable `code`, and
 * every code has exactly one class, here. Programs and the CLI decide by
 * `code`, never by message text. This module depends on nothing but the
 * names of the settings its messages cite, so every layer may use it.
 *
 * Errors that never leave the module that catches them (a body past its
 * limit, a pause past the deadline, a PKCS#12 bundle that does not open) are
 * plain `Error`s beside their one catcher, which turns each into one of these.
 */
import { settingName } from "./settingNames";

/** Every code, and what it means (docs/errors.md lists them, each with its class; a unit test keeps the two together). */
export const ERROR_CODES = {
  PC_ERR_RESPONSE:
    "Partner Center answered with an error status (the message has the status, Partner Center's code and description, and the request ids)",
  PC_ERR_TRANSPORT: "a request got no answer: connection refused or dropped, DNS, TLS, timeout",
  PC_ERR_UNEXPECTED_BODY:
    "Partner Center answered 2xx with a body that is not the documented one, or a continuation link that cannot be followed",
  PC_ERR_BODY_TOO_LARGE: "an answer was larger than the limit; it was not read",
  PC_ERR_AMOUNT_MISMATCH: "a PATCH was answered with another amount than the one sent; nothing is recorded as written",
  PC_ERR_PAUSE_BEYOND_DEADLINE:
    "Partner Center's Retry-After outlasts the operation's deadline (partnercenter:timeoutSeconds)",
  PC_ERR_SETTING: "a setting (stack config or environment) cannot be used",
  PC_ERR_CREDENTIAL: "Microsoft Entra ID refused a credential, or it cannot be used",
  PC_ERR_ENTRA_UNREACHABLE: "Microsoft Entra ID could not be reached",
  PC_ERR_BUDGETS_FILE: "a budgets file or list cannot be used (every problem with its line)",
  PC_ERR_BUDGETS_SLICE: "a slice of a budgets file (a shard or a customer-id range) cannot be used",
  PC_ERR_UNREADABLE_FILE: "a file cannot be read: missing, not a regular file, or too large",
  PC_ERR_DUPLICATE_CUSTOMER: "two resources in the program declare the same customer",
  PC_ERR_WIRE_FORMAT: "a body is not the documented JSON",
  PC_ERR_INPUT: "a resource's inputs cannot be used when it is created or updated (every bad property named)",
  PC_ERR_STATE: "a resource's recorded state cannot be used (a stored customer id that is not a GUID)",
  PC_ERR_PARTIAL:
    "a UsageBudgetMap operation failed for some customers (each named with its error); what was done is recorded, and the next run retries the others",
  PC_ERR_USAGE: "partnercenter-budgets was called with arguments it does not take",
  PC_ERR_STOPPED:
    "partnercenter-budgets stopped reading budgets: a failure that applies to every customer (a refused credential)",
  PC_ERR_SPEND_UNAVAILABLE:
    "month-to-date spend could not be read (a refused credential: the message says what Partner Center needs)",
  PC_ERR_CONCURRENT_EDIT: "a file changed while a command worked on it; it was not rewritten, so that no edit is lost",
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The base of every error this package throws on purpose. */
export class PartnerCenterError extends Error {
  /** What failed, stable across versions. */
  readonly code: ErrorCode;
  /**
   * Marks the error as `@pulumi/pulumi`'s `RunError` (`RunError.isInstance` reads this property): thrown in a
   * program, Pulumi prints its message alone. The message says what to fix; a stack trace into this package's
   * compiled files would only hide it.
   */
  readonly __pulumiRunError = true;

  /**
   * @param code - the stable code
   * @param message - the whole message, built once
   * @param options - the cause, if any (ES2022's `ErrorOptions`, spelled out: a consumer compiling for an older `lib` has no such name)
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** Whether `error` is one of this package's errors with the given code. */
export function hasCode(error: unknown, code: ErrorCode): error is PartnerCenterError {
  return error instanceof PartnerCenterError && error.code === code;
}

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
  const requestId =
    responseRequestId && responseRequestId !== identity.requestId
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
  if (status === 404)
    return `this is not Partner Center's answer about a customer (it has no code 60003): check ${settingName("endpoint")} and any proxy or gateway in between`;
  if (code === "900118") return "Partner Center rejected the customer id: check customerId";
  if (code === MFA_REQUIRED)
    return "Partner Center requires App+User tokens from a multi-factor sign-in: obtain the refresh token again, signing in with MFA";
  if (status === 401)
    return "the credential was refused: check that the token is current and issued for https://api.partnercenter.microsoft.com";
  if (status === 429)
    return "Partner Center is throttling this partner: wait and try again with fewer operations at once";
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
  constructor(
    request: RequestIdentity,
    status: number,
    fault: ServiceFault,
    responseRequestId?: string,
    gaveUp?: string,
  ) {
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
    const reason =
      cause instanceof Error ? `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}` : String(cause);
    super(
      "PC_ERR_TRANSPORT",
      `${request.method} ${subject(request)} at ${endpoint} got no answer (${reason}) (${ids(request)})${ending(gaveUp)}`,
      { cause },
    );
    this.request = request;
  }
}

/**
 * Partner Center answered 2xx with a body that is not what the API documents, or a continuation that cannot be
 * followed. The base of the other answers that could not be used ({@link BodyTooLargeError},
 * {@link PauseBeyondDeadlineError}): `instanceof UnusableAnswerError` catches the three, `code` tells them apart.
 */
export class UnusableAnswerError extends PartnerCenterError {
  /** The request whose answer could not be used. */
  readonly request: RequestIdentity;

  /**
   * @param request - the request's identity
   * @param problem - what is wrong with the answer
   * @param gaveUp - why no further attempt was made, when that is news
   */
  constructor(request: RequestIdentity, problem: string, gaveUp?: string) {
    super(
      "PC_ERR_UNEXPECTED_BODY",
      `Partner Center's answer to ${request.method} ${subject(request)} could not be used: ${problem} (${ids(request)})${ending(gaveUp)}`,
    );
    this.request = request;
  }
}

/** An answer larger than the limit: the connection was closed, the body not read. */
export class BodyTooLargeError extends UnusableAnswerError {
  /** This class's own code, set once UnusableAnswerError's constructor has built the message (the same form). */
  override readonly code = "PC_ERR_BODY_TOO_LARGE";
}

/** A pause (`Retry-After`) that lasts past the operation's deadline: the request failed at once instead of waiting to fail. */
export class PauseBeyondDeadlineError extends UnusableAnswerError {
  /** This class's own code, set once UnusableAnswerError's constructor has built the message (the same form). */
  override readonly code = "PC_ERR_PAUSE_BEYOND_DEADLINE";
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
  constructor(
    request: RequestIdentity,
    readonly sent: number | null,
    readonly reported: number | null,
  ) {
    super(
      "PC_ERR_AMOUNT_MISMATCH",
      `The budget of customer ${request.customerId ?? "?"} was set to ${sent} but Partner Center reports ${reported}; nothing is recorded as written (${ids(request)})`,
    );
    this.request = request;
  }
}

/** A body that could not be read as the documented JSON (the client reports it as an {@link UnusableAnswerError}). */
export class WireFormatError extends PartnerCenterError {
  /** @param problem - what is wrong with the body */
  constructor(problem: string) {
    super("PC_ERR_WIRE_FORMAT", problem);
  }
}

/** Entra ID refused a credential, or it could not be used; names the credential, never its value. */
export class CredentialError extends PartnerCenterError {
  /** @param message - the credential (never its value), the problem and the fix */
  constructor(message: string, options?: { cause?: unknown }) {
    super("PC_ERR_CREDENTIAL", message, options);
  }
}

/** Microsoft Entra ID could not be reached (network, DNS, TLS, timeout): not a refusal of the credential. */
export class EntraUnreachableError extends PartnerCenterError {
  /** @param message - the endpoint, the cause and the attempts */
  constructor(message: string) {
    super("PC_ERR_ENTRA_UNREACHABLE", message);
  }
}

/** Why a file could not be used; `reason` reads as the end of a sentence. */
export class UnreadableFileError extends PartnerCenterError {
  /** @param reason - why, as the end of a sentence */
  constructor(readonly reason: string) {
    super("PC_ERR_UNREADABLE_FILE", reason);
  }
}

/** A setting whose value cannot be used; names the setting, where it came from, the problem and the fix. */
export class SettingsError extends PartnerCenterError {
  /** @param message - the setting, where it came from, the problem and the fix */
  constructor(message: string) {
    super("PC_ERR_SETTING", message);
  }
}

/** A budgets file or list that cannot be used: every problem, each with its file, line and entry. */
export class BudgetsFileError extends PartnerCenterError {
  /** One line per problem. */
  readonly problems: string[];

  /** @param problems - one line per problem, each with its file, line and entry */
  constructor(problems: string[]) {
    super(
      "PC_ERR_BUDGETS_FILE",
      problems.length === 1
        ? (problems[0] ?? "")
        : `${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.problems = problems;
  }
}

/** A slice (shard, customer-id range) that cannot be used: names the property, the problem and the fix. */
export class BudgetsSliceError extends PartnerCenterError {
  /** @param message - the property, the problem and the fix */
  constructor(message: string) {
    super("PC_ERR_BUDGETS_SLICE", message);
  }
}

/**
 * A resource's inputs that cannot be used when it is created or updated: `check` refuses bad inputs first, so this
 * is an input not known yet, or one that reached the provider without `check`.
 */
export class InvalidInputsError extends PartnerCenterError {
  /** One reason per bad property. */
  readonly reasons: readonly string[];

  /**
   * @param resource - the resource type, e.g. `UsageBudget`
   * @param reasons - one reason per bad property
   */
  constructor(resource: string, reasons: readonly string[]) {
    super("PC_ERR_INPUT", `Invalid ${resource} inputs: ${reasons.join("; ")}`);
    this.reasons = reasons;
  }
}

/** A resource's recorded state that cannot be used (a stored customer id that is not a GUID): names the resource. */
export class StoredStateError extends PartnerCenterError {
  /** @param message - the resource, what in its state is wrong, and why */
  constructor(message: string) {
    super("PC_ERR_STATE", message);
  }
}

/** The program's resources declaring the same customer, named. */
export class DuplicateCustomerError extends PartnerCenterError {
  /** @param message - the customers and the resources declaring each */
  constructor(message: string) {
    super("PC_ERR_DUPLICATE_CUSTOMER", message);
  }
}

/** The state a partial failure saves: the resource id and its properties. */
export interface PartialState {
  /** The resource id. */
  readonly id: string;
  /** The state to save (with the serialized provider). */
  readonly properties: Record<string, unknown>;
}

/**
 * A UsageBudgetMap run that failed for some customers. With a {@link PartialState} it takes the form the dynamic
 * provider host turns into the engine's partial failure: `id` and `properties` (@pulumi/pulumi
 * cmd/dynamic-provider/index.js `grpcResponseFromError` packs them as `ErrorResourceInitFailed`; the engine saves them
 * as the resource's state, pkg/resource/plugin/provider_plugin.go `parseError`, pkg/engine/update.go
 * `OnResourceStepPost`). Without one (nothing to record, a failed refresh or delete) the step fails and state stays.
 */
export class PartialBudgetMapError extends PartnerCenterError {
  /** The resource id, when there is state to save. */
  readonly id?: string;
  /** The state to save, with the serialized provider. */
  readonly properties?: Record<string, unknown>;
  /** One line per failed customer (bounded), saved as the resource's init errors. */
  readonly reasons: readonly string[];

  /**
   * @param message - what failed, for how many customers, and each customer's error
   * @param reasons - the lines the engine shows: what happened, then the customers
   * @param state - the state to save, when the run learned some
   */
  constructor(message: string, reasons: readonly string[], state?: PartialState) {
    super("PC_ERR_PARTIAL", message);
    this.reasons = reasons;
    if (state) {
      this.id = state.id;
      this.properties = state.properties;
    }
  }
}

/** The command was called with arguments or files it cannot use (exit 3, before any request). */
export class UsageError extends PartnerCenterError {
  /** @param message - what is wrong and how to call it instead */
  constructor(message: string) {
    super("PC_ERR_USAGE", message);
  }
}

/**
 * A failure that applies to every customer (a refused credential), met while
 * reading budgets: the command stopped instead of asking for every other
 * budget. Its message is the one line the user sees.
 */
export class StoppedForEveryCustomerError extends PartnerCenterError {
  /**
   * @param message - why the failure applies to every customer, and the first answer that showed it
   * @param first - the first failure that showed it
   */
  constructor(
    message: string,
    readonly first: Error,
  ) {
    super("PC_ERR_STOPPED", message);
  }
}

/** Month-to-date spend could not be read; a refused credential says what Partner Center needs. */
export class SpendUnavailableError extends PartnerCenterError {
  /**
   * @param message - the command, then why, in one line
   * @param options - the failure of the listing
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("PC_ERR_SPEND_UNAVAILABLE", message, options);
  }
}

/** A file changed while a command worked on it: it was not rewritten, so that no edit is lost. */
export class ConcurrentEditError extends PartnerCenterError {
  /** @param message - the file, what was not done, and what to do */
  constructor(message: string) {
    super("PC_ERR_CONCURRENT_EDIT", message);
  }
}
