import { IntelGraphError } from '@intelgraph/errors';
import type { GatewayPlugin, RequestState } from '../plugin.js';

export interface RequestDeadlineOptions {
  /** The whole request's budget for its subgraph fetches and their retries, from its arrival (ms). */
  readonly timeoutMs: number;
}

interface Deadline {
  readonly at: number;
  readonly controller: AbortController;
  readonly timer: NodeJS.Timeout | undefined;
}

/**
 * One overall deadline per request (REQUEST_TIMEOUT_MS, counted from its arrival), shared by all
 * its subgraph fetches and their retries: each fetch receives it as `deadline` (retries are not
 * started past it) and as `signal`, aborted with a GATEWAY_TIMEOUT error when it passes. A fetch
 * still pending then fails at once with that error, whatever the wrappers inside it do, so a slow
 * subgraph plus retries cannot hold a request past its deadline; fetches the plan starts later
 * fail without calling their subgraph. One timer per request, created by its first fetch and
 * cleared when the response is written.
 */
export function useRequestDeadline(options: RequestDeadlineOptions): GatewayPlugin {
  const { timeoutMs } = options;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new IntelGraphError('CONFIG_INVALID', 'useRequestDeadline: timeoutMs must be a positive integer', {
      input: timeoutMs,
      details: { field: 'timeoutMs' },
    });
  }
  // Keyed by the HTTP request: Apollo Server hands the fetches a shallow copy of the state.
  const deadlines = new WeakMap<RequestState['req'], Deadline>();
  const expired = (): IntelGraphError =>
    new IntelGraphError('GATEWAY_TIMEOUT', `The request exceeded its deadline of ${timeoutMs} ms`, {
      details: { timeoutMs },
    });
  const deadlineOf = (state: RequestState): Deadline => {
    let deadline = deadlines.get(state.req);
    if (deadline === undefined) {
      const at = state.startedAt + timeoutMs;
      const controller = new AbortController();
      const remaining = at - performance.now();
      let timer: NodeJS.Timeout | undefined;
      if (remaining <= 0) controller.abort(expired());
      else {
        timer = setTimeout(() => controller.abort(expired()), remaining);
        timer.unref();
      }
      deadline = { at, controller, timer };
      deadlines.set(state.req, deadline);
    }
    return deadline;
  };
  return {
    name: 'request-deadline',
    wrapSubgraphFetch(next) {
      return (request) => {
        // Health checks and schema fetches serve no request: their subgraph timeout bounds them.
        if (request.state === undefined) return next(request);
        const { at, controller } = deadlineOf(request.state);
        const signal = controller.signal;
        if (signal.aborted) return Promise.reject(signal.reason);
        const fetched = next({ ...request, deadline: at, signal });
        return new Promise((resolve, reject) => {
          const onAbort = (): void => reject(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
          fetched.then(
            (response) => {
              signal.removeEventListener('abort', onAbort);
              resolve(response);
            },
            (error: unknown) => {
              signal.removeEventListener('abort', onAbort);
              reject(error);
            },
          );
        });
      };
    },
    onResponse(state) {
      const deadline = deadlines.get(state.req);
      if (deadline?.timer !== undefined) clearTimeout(deadline.timer);
    },
  };
}
