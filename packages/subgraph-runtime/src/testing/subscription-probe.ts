import { IDENTITY_HEADER, type Identity } from '@intelgraph/identity';
import type { FormattedExecutionResult } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signIdentity } from './graphql-client.js';

/** What a probe received: results, then at most one end (`complete` or `error`). */
export interface SubscriptionProbe<D = Record<string, unknown>> {
  readonly results: FormattedExecutionResult<D, { position?: string }>[];
  /** The `n`th result (0-based), waiting up to `timeoutMs` for it. */
  nth(n: number, timeoutMs?: number): Promise<FormattedExecutionResult<D, { position?: string }>>;
  /** Settles when the subscription ends: resolves on complete, rejects on error. */
  readonly ended: Promise<void>;
  /** Completes the subscription from the client side. */
  stop(): void;
}

/** `http://…/graphql` → `ws://…/graphql`. */
export function wsUrl(url: string): string {
  return url.replace(/^http/, 'ws');
}

export type SubscriptionClient = Client;

/**
 * A graphql-ws client for a subgraph: the signed identity in `connection_init`, as the gateway
 * sends it (`null`: none, to see the refusal).
 */
export function subgraphWsClient(
  url: string,
  identity: (Partial<Identity> & { tenantId: string }) | null,
): Client {
  return createClient({
    url: wsUrl(url),
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    ...(identity
      ? { connectionParams: () => ({ headers: { [IDENTITY_HEADER]: signIdentity(identity) } }) }
      : {}),
  });
}

/** Subscribes through `client` and records what arrives. */
export function subscriptionProbe<D = Record<string, unknown>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): SubscriptionProbe<D> {
  const results: FormattedExecutionResult<D, { position?: string }>[] = [];
  const waiters: Array<() => void> = [];
  let dispose: () => void = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    dispose = client.subscribe<D, { position?: string }>(
      { query, variables },
      {
        next: (result) => {
          results.push(result);
          for (const w of waiters.splice(0)) w();
        },
        error: (error) => {
          for (const w of waiters.splice(0)) w();
          reject(error);
        },
        complete: () => {
          for (const w of waiters.splice(0)) w();
          resolve();
        },
      },
    );
  });
  ended.catch(() => {});
  return {
    results,
    ended,
    stop: () => dispose(),
    async nth(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (results.length <= n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for result #${n} (have ${results.length})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return results[n]!;
    },
  };
}
