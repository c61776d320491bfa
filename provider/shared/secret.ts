import { inspect } from "node:util";

const REDACTED = "[secret]";

/** Every secret value this process holds, shared by every copy of this package in it. */
const REGISTRY = Symbol.for("pulumi-partnercenter.secretValues");
/** Shorter values are not redacted: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 8;

function secretValues(): Set<string> {
  const holder = globalThis as { [REGISTRY]?: Set<string> };
  holder[REGISTRY] ??= new Set();
  return holder[REGISTRY];
}

/**
 * Remembers a secret value the process holds without a {@link Secret} around
 * it (a token or assertion MSAL sends or receives), so that
 * {@link redactSecrets} removes it from any message.
 */
export function rememberSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH) return;
  const values = secretValues();
  values.add(value);
  values.add(encodeURIComponent(value));
  values.add(JSON.stringify(value).slice(1, -1));
  // A PEM's lines travel on their own (a key echoed line by line): each long line counts too.
  for (const line of value.split(/\r?\n/)) if (line.length >= 32 && line !== value) values.add(line);
}

/**
 * The text with every secret value this process holds replaced by
 * `[secret]`, whatever the text's source: Partner Center's or Entra ID's
 * description, a body that is not JSON, an exception. Applied wherever text
 * leaves the process (the provider's errors to the engine, the CLI's output).
 */
export function redactSecrets(text: string): string {
  let result = text;
  // Longest first, so that a value containing another is replaced whole.
  for (const value of [...secretValues()].sort((a, b) => b.length - a.length))
    if (result.includes(value)) result = result.split(value).join(REDACTED);
  return result;
}

/** The error with its message (and stack) redacted, as it may leave the process. */
export function redactError(error: unknown): unknown {
  if (!(error instanceof Error)) return typeof error === "string" ? redactSecrets(error) : error;
  error.message = redactSecrets(error.message);
  if (error.stack) error.stack = redactSecrets(error.stack);
  return error;
}

/**
 * A credential value (token, client secret, certificate) that cannot leak by
 * accident: printing, string conversion, JSON and `util.inspect` all show
 * `[secret]`. Only {@link Secret.reveal} gives the value, at the one place
 * that sends it.
 */
export class Secret {
  readonly #value: string;

  /** @param value - the secret text (remembered for {@link redactSecrets}) */
  constructor(value: string) {
    this.#value = value;
    rememberSecret(value);
  }

  /** The secret text, for the one place that must send it. */
  reveal(): string {
    return this.#value;
  }

  /** Always `[secret]`. */
  toString(): string {
    return REDACTED;
  }

  /** Always `[secret]`. */
  toJSON(): string {
    return REDACTED;
  }

  /** Always `[secret]`. */
  [inspect.custom](): string {
    return REDACTED;
  }
}
