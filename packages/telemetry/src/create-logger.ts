import { type DestinationStream, type Logger, pino } from 'pino';

/** Paths whose values are never written to a log, whatever the caller passes. */
export const DEFAULT_REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.cookie',
  '*.connectionString',
  'connectionString',
  'apiKey',
  '*.apiKey',
];

export interface LoggerOptions {
  /** Service name, written as `service` on every line. */
  readonly service: string;
  /** pino level (default `info`). */
  readonly level?: string;
  /** Extra paths to redact, added to DEFAULT_REDACT_PATHS. */
  readonly redact?: readonly string[];
  /** Where lines go (default stdout); tests pass a stream to read them. */
  readonly destination?: DestinationStream;
}

/** A JSON logger with the service name on every line and secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      redact: { paths: [...DEFAULT_REDACT_PATHS, ...(options.redact ?? [])], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** A child logger for one request: every line it writes carries `requestId`. */
export function requestLogger(
  logger: Logger,
  requestId: string,
  bindings: Record<string, unknown> = {},
): Logger {
  return logger.child({ requestId, ...bindings });
}

export type { Logger };
