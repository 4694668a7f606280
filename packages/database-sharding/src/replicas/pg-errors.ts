/**
 * Classifies errors thrown by `pg` / `pg-pool`. A *connection* failure means the node, not the
 * statement, is at fault: the node is marked down, a replica read is retried elsewhere, and the
 * client is destroyed rather than returned to the pool.
 */
const CONNECTION_SQLSTATE = /^(08|57P0[1-3]|53300)/;

export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isConnectionError(error: unknown): boolean {
  const state = sqlStateOf(error);
  if (state) return CONNECTION_SQLSTATE.test(state);
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+/.test(code)) return true; // ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT…
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|Connection ended/i.test(
    error.message,
  );
}

/** The pool had no free client within the connect timeout: overload, not a dead node. */
export function isPoolExhausted(error: unknown): boolean {
  return error instanceof Error && error.message === 'timeout exceeded when trying to connect';
}

export function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

/** A replica read that failed this way may succeed on another node. */
export function isRetryableOnAnotherNode(error: unknown): boolean {
  if (isConnectionError(error) || isPoolExhausted(error) || isQueryTimeout(error)) return true;
  const state = sqlStateOf(error);
  // 40001: canceling statement due to conflict with recovery (a hot-standby conflict).
  return state === '40001' || state === '25006' /* read-only transaction: node was not a replica */;
}
