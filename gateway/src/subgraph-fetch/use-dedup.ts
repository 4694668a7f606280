import type { GatewayPlugin, SubgraphFetch, SubgraphRequest, SubgraphResponse } from '../plugin.js';
import { cloneJson } from './clone-json.js';
import { dedupKey } from './dedup-key.js';

export interface DedupOptions {
  /** Called for each fetch that joined one already in flight (metrics). */
  readonly onShared?: (subgraph: string) => void;
}

interface Waiter {
  readonly resolve: (response: SubgraphResponse) => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
}

/** One upstream call and the fetches waiting for it. */
interface Flight {
  readonly waiters: Set<Waiter>;
  /** Aborts the upstream call once every waiter gave up. */
  readonly controller: AbortController;
  /** The latest deadline of the waiters; undefined once one of them has none. */
  deadline: number | undefined;
}

/**
 * Shares identical in-flight subgraph query fetches: while one is on the wire, another with the
 * same key (`dedupKey`: URL, every header sent — the signed identity among them —, identity and
 * body) waits for it instead of sending its own. Only in flight: the entry is removed the moment
 * the fetch settles, so this is never a cache. Mutations are never shared.
 *
 * Waiters never share mutable state. Apollo Gateway merges a plan's later fetches into the
 * parsed answer of an earlier one in place, so two operations sharing their first fetch would
 * otherwise write into each other's results. When the upstream answer arrives, every waiter but
 * the first is handed its own deep copy (`cloneJson`: the cheapest of structuredClone, re-parsing
 * the text and freezing, `bench/dedup-copy.ts`), all synchronously before any of them resumes; a
 * fetch nobody shares is not copied at all.
 *
 * The shared upstream call serves every waiter's deadline: it carries the latest one (so retries
 * inside continue while someone still waits) and is aborted only when every waiter has given up.
 * Each waiter leaves on its own signal (its request's deadline) without disturbing the others.
 * Placed outside the breaker and retries: one upstream call is one breaker event, however many
 * requests wait for it.
 */
export function useDedup(options: DedupOptions = {}): GatewayPlugin {
  return {
    name: 'dedup',
    wrapSubgraphFetch(next, subgraph) {
      const inFlight = new Map<string, Flight>();

      const take = (key: string, flight: Flight): void => {
        if (inFlight.get(key) === flight) inFlight.delete(key);
      };

      const send = (key: string, flight: Flight, request: SubgraphRequest): void => {
        const upstream: SubgraphRequest = {
          subgraph: request.subgraph,
          url: request.url,
          body: request.body,
          headers: request.headers,
          idempotent: request.idempotent,
          state: request.state,
          signal: flight.controller.signal,
          get deadline() {
            return flight.deadline;
          },
        };
        let call: Promise<SubgraphResponse>;
        try {
          call = next(upstream);
        } catch (error) {
          call = Promise.reject(error);
        }
        call.then(
          (response) => {
            take(key, flight);
            // Copies are made here, synchronously, before any waiter resumes and merges into its own.
            let first = true;
            for (const waiter of flight.waiters) {
              waiter.detach();
              waiter.resolve(first ? response : { ...response, body: cloneJson(response.body) });
              first = false;
            }
            flight.waiters.clear();
          },
          (error: unknown) => {
            take(key, flight);
            for (const waiter of flight.waiters) {
              waiter.detach();
              waiter.reject(error);
            }
            flight.waiters.clear();
          },
        );
      };

      const join = (key: string, flight: Flight, request: SubgraphRequest): Promise<SubgraphResponse> =>
        new Promise<SubgraphResponse>((resolve, reject) => {
          if (flight.deadline !== undefined)
            flight.deadline =
              request.deadline === undefined ? undefined : Math.max(flight.deadline, request.deadline);
          const signal = request.signal;
          if (signal === undefined) {
            flight.waiters.add({ resolve, reject, detach: () => {} });
            return;
          }
          const leave = (): void => {
            flight.waiters.delete(waiter);
            reject(signal.reason);
            if (flight.waiters.size === 0) {
              // Nobody waits any more: a new request must not join a call being abandoned.
              take(key, flight);
              flight.controller.abort(signal.reason);
            }
          };
          const waiter: Waiter = {
            resolve,
            reject,
            detach: () => signal.removeEventListener('abort', leave),
          };
          flight.waiters.add(waiter);
          signal.addEventListener('abort', leave, { once: true });
        });

      const fetch: SubgraphFetch = (request) => {
        if (!request.idempotent) return next(request);
        if (request.signal?.aborted) return Promise.reject(request.signal.reason);
        const key = dedupKey(request);
        const shared = inFlight.get(key);
        if (shared !== undefined) {
          options.onShared?.(subgraph);
          return join(key, shared, request);
        }
        const flight: Flight = {
          waiters: new Set(),
          controller: new AbortController(),
          deadline: request.deadline,
        };
        inFlight.set(key, flight);
        const answer = join(key, flight, request);
        send(key, flight, request);
        return answer;
      };
      return fetch;
    },
  };
}
