import { inspect } from "node:util";

const REDACTED = "[secret]";

/**
 * A credential value (token, client secret, certificate) that cannot leak by
 * accident: printing, string conversion, JSON and `util.inspect` all show
 * `[secret]`. Only {@link Secret.reveal} gives the value, at the one place
 * that sends it.
 */
export class Secret {
  readonly #value: string;

  /** @param value - the secret text */
  constructor(value: string) {
    this.#value = value;
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
