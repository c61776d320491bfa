/**
 * The package's error taxonomy, in undici's manner: every error a user or a
 * program can meet is a {@link PartnerCenterError} with a stable `code`.
 * Programs and the CLI decide by `code`, never by message text. This module
 * depends on nothing, so every layer may use it.
 */

/** Every code, and what it means (the README lists them from here). */
export const ERROR_CODES = {
  PC_ERR_RESPONSE: "Partner Center answered with an error status (the message has the status, Partner Center's code and description, and the request ids)",
  PC_ERR_TRANSPORT: "a request got no answer: connection refused or dropped, DNS, TLS, timeout",
  PC_ERR_UNEXPECTED_BODY: "Partner Center answered 2xx with a body that is not the documented one, or a continuation link that cannot be followed",
  PC_ERR_BODY_TOO_LARGE: "an answer was larger than the limit; it was not read",
  PC_ERR_AMOUNT_MISMATCH: "a PATCH was answered with another amount than the one sent; nothing is recorded as written",
  PC_ERR_PAUSE_BEYOND_DEADLINE: "Partner Center's Retry-After outlasts the operation's deadline (partnercenter:timeoutSeconds)",
  PC_ERR_SETTING: "a setting (stack config or environment) cannot be used",
  PC_ERR_CREDENTIAL: "Microsoft Entra ID refused a credential, or it cannot be used",
  PC_ERR_ENTRA_UNREACHABLE: "Microsoft Entra ID could not be reached",
  PC_ERR_BUDGETS_FILE: "a budgets file or list cannot be used (every problem with its line)",
  PC_ERR_UNREADABLE_FILE: "a file cannot be read: missing, not a regular file, or too large",
  PC_ERR_DUPLICATE_CUSTOMER: "two resources in the program declare the same customer",
  PC_ERR_WIRE_FORMAT: "a body is not the documented JSON",
  PC_ERR_USAGE: "partnercenter-budgets was called with arguments it does not take",
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
