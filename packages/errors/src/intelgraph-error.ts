import { type ErrorCode, errorCatalogue } from './catalogue.js';

export interface IntelGraphErrorOptions {
  /** The input the caller sent that caused this error (a key, a value, a variable). Never a secret. */
  readonly input?: unknown;
  /** The underlying error, kept for logs and `error.cause` chains. */
  readonly cause?: unknown;
  /** Structured facts a caller can act on (shard id, expected version, limit, …). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The platform's one error base: a stable `code` from the catalogue, the offending `input`, a
 * `cause`, and the HTTP status an edge should answer with. Callers branch on `code`, never on
 * the message.
 */
export class IntelGraphError extends Error {
  readonly code: ErrorCode;
  readonly input: unknown;
  readonly details: Readonly<Record<string, unknown>>;
  readonly httpStatus: number;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: IntelGraphErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IntelGraphError';
    this.code = code;
    this.input = options.input;
    this.details = options.details ?? {};
    const definition = errorCatalogue[code];
    this.httpStatus = definition.httpStatus;
    this.retryable = definition.retryable;
  }

  /** True when `error` is an IntelGraphError, optionally with the given code. */
  static is(error: unknown, code?: ErrorCode): error is IntelGraphError {
    return error instanceof IntelGraphError && (code === undefined || error.code === code);
  }

  /** The `extensions` object for a GraphQL error carrying this error. */
  toGraphQLExtensions(): Record<string, unknown> {
    return { code: this.code, ...this.details, http: { status: this.httpStatus } };
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      input: this.input,
      details: this.details,
      cause:
        this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : this.cause,
    };
  }
}
