import type { SupergraphSdlHook } from '@apollo/gateway';

type SupergraphSdlHookOptions = Parameters<SupergraphSdlHook>[0];

import { IntelGraphError } from '@intelgraph/errors';
import { request } from 'undici';
import { composeSupergraph, type SubgraphSdl } from './compose.js';
import type { SupergraphEvent, SupergraphSource } from './supergraph-source.js';

export interface SubgraphEndpoint {
  readonly name: string;
  readonly url: string;
}

export interface ComposedSupergraphSourceOptions {
  readonly subgraphs: readonly SubgraphEndpoint[];
  /** Re-composition interval (default 10 000 ms; 0: none). */
  readonly pollMs?: number;
  /** How long the first composition waits for subgraphs to come up (default 30 000 ms). */
  readonly startupWaitMs?: number;
  /** Headers for the `_service` query (a subgraph may require a signed identity). */
  readonly headers?: () => Record<string, string>;
  /** Rewrites the SDL before the gateway loads it (e.g. `acceptSecurityFeatures`). */
  readonly transform?: (sdl: string) => string;
}

const SERVICE_QUERY = JSON.stringify({ query: 'query __ApolloGetServiceDefinition__ { _service { sdl } }' });

/** Fetches one subgraph's SDL through its `_service { sdl }` field. */
export async function fetchSubgraphSdl(
  subgraph: SubgraphEndpoint,
  headers: Record<string, string> = {},
): Promise<SubgraphSdl> {
  try {
    const res = await request(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: SERVICE_QUERY,
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    const body = (await res.body.json()) as {
      data?: { _service?: { sdl?: string } };
      errors?: { message: string }[];
    };
    const sdl = body.data?._service?.sdl;
    if (typeof sdl !== 'string') {
      throw new Error(
        body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${res.statusCode} without _service.sdl`,
      );
    }
    return { ...subgraph, sdl };
  } catch (error) {
    throw new IntelGraphError(
      'SUPERGRAPH_INVALID',
      `Cannot read the SDL of subgraph "${subgraph.name}" at ${subgraph.url}: ${(error as Error).message}`,
      {
        input: subgraph.url,
        cause: error,
      },
    );
  }
}

/**
 * Development: the supergraph composed from running subgraphs (`SUBGRAPHS=name=url,…`), and
 * re-composed on a poll. A subgraph that is down or a composition that fails keeps the last good
 * supergraph in force.
 */
export class ComposedSupergraphSource implements SupergraphSource {
  readonly #options: ComposedSupergraphSourceOptions;
  readonly #listeners: ((event: SupergraphEvent) => void)[] = [];
  #update: SupergraphSdlHookOptions['update'] | undefined;
  #current: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** The subgraph SDLs last composed and the result, so an unchanged poll composes nothing. */
  #composed: { readonly inputs: string; readonly sdl: string } | undefined;

  constructor(options: ComposedSupergraphSourceOptions) {
    if (options.subgraphs.length === 0) {
      throw new IntelGraphError('CONFIG_INVALID', 'ComposedSupergraphSource needs at least one subgraph', {
        details: { field: 'subgraphs' },
      });
    }
    this.#options = options;
  }

  onEvent(listener: (event: SupergraphEvent) => void): void {
    this.#listeners.push(listener);
  }

  async compose(): Promise<string> {
    const headers = this.#options.headers?.() ?? {};
    const sdls = await Promise.all(this.#options.subgraphs.map((s) => fetchSubgraphSdl(s, headers)));
    // Composition costs a few hundred ms of CPU on the serving thread: skip it when no SDL changed.
    const inputs = JSON.stringify(sdls.map((s) => [s.name, s.url, s.sdl]));
    if (this.#composed?.inputs === inputs) return this.#composed.sdl;
    const composed = composeSupergraph(sdls);
    const sdl = this.#options.transform ? this.#options.transform(composed) : composed;
    this.#composed = { inputs, sdl };
    return sdl;
  }

  async initialize({
    update,
  }: SupergraphSdlHookOptions): Promise<{ supergraphSdl: string; cleanup: () => Promise<void> }> {
    const deadline = Date.now() + (this.#options.startupWaitMs ?? 30_000);
    let sdl: string | undefined;
    for (let delay = 100; sdl === undefined; delay = Math.min(delay * 2, 2000)) {
      try {
        sdl = await this.compose();
      } catch (error) {
        this.#emit({ kind: 'failed', error });
        if (Date.now() + delay > deadline) throw error;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    this.#update = update;
    this.#current = sdl;
    const pollMs = this.#options.pollMs ?? 10_000;
    if (pollMs > 0) {
      this.#timer = setInterval(() => void this.refresh(), pollMs);
      this.#timer.unref();
    }
    const loaded = sdl;
    queueMicrotask(() => this.#emit({ kind: 'loaded', sdl: loaded }));
    return {
      supergraphSdl: sdl,
      cleanup: async () => {
        clearInterval(this.#timer);
        this.#update = undefined;
      },
    };
  }

  refresh(): Promise<void> {
    this.#running ??= this.#recompose().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #recompose(): Promise<void> {
    if (!this.#update) return;
    try {
      const sdl = await this.compose();
      if (sdl === this.#current || !this.#update) return;
      this.#update(sdl);
      this.#current = sdl;
      this.#emit({ kind: 'loaded', sdl });
    } catch (error) {
      this.#emit({ kind: 'failed', error });
    }
  }

  #emit(event: SupergraphEvent): void {
    for (const l of this.#listeners) l(event);
  }
}
