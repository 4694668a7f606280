/**
 * One entry of the error catalogue. `httpStatus` is what an HTTP edge answers when this error
 * reaches a client (GraphQL-over-HTTP: request errors are 4xx, errors while executing a valid
 * request are reported in the body with 200 unless the whole request failed).
 */
export interface ErrorDefinition {
  /** HTTP status for this error when it ends a request. */
  readonly httpStatus: number;
  /** One line: when is this raised. The long form lives in docs/errors/<domain>.md. */
  readonly summary: string;
  /** Retrying the same call later may succeed (the cause is transient). */
  readonly retryable: boolean;
}

export type ErrorSection = Readonly<Record<string, ErrorDefinition>>;
