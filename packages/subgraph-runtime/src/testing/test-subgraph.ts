import type { LoaderFactories } from '@intelgraph/graphql-dataloader';
import type { Identity } from '@intelgraph/identity';
import type { RequestContext } from '../context/request-context.js';
import {
  type RunningSubgraph,
  type SubgraphDefinition,
  type SubgraphRuntimeConfig,
  startSubgraph,
} from '../start-subgraph.js';
import { type GraphQLResponse, graphqlRequest } from './graphql-client.js';
import { createRealShards, type RealShards } from './real-shards.js';
import { testRuntimeConfig } from './test-config.js';

/** Where a subgraph under test keeps its rows. */
export type TestBackend = 'embedded PGlite' | 'PostgreSQL shards with replicas';

/** Both backends, for `describe.each(TEST_BACKENDS)`: a subgraph's suite runs once on each. */
export const TEST_BACKENDS: readonly TestBackend[] = ['embedded PGlite', 'PostgreSQL shards with replicas'];

/** Who a test request is from; signed as the gateway signs it. */
export type TestIdentity = Partial<Identity> & { tenantId: string };

export interface TestSubgraphOptions {
  readonly backend: TestBackend;
  /** Prefix of the throwaway databases on PostgreSQL (default: the subgraph's name). */
  readonly databasePrefix?: string;
  /** Runtime settings over `testRuntimeConfig`'s. */
  readonly config?: Partial<SubgraphRuntimeConfig>;
}

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly running: RunningSubgraph; readonly real: RealShards | undefined }
  | { readonly kind: 'stopped' };

/**
 * One subgraph served for a test suite on either backend: embedded PGlite shards, or two
 * throwaway databases on the real PostgreSQL primary with their streaming replica. Made when the
 * suite is declared, started in `beforeAll`, stopped (databases dropped) in `afterAll`:
 *
 * ```ts
 * describe.each(TEST_BACKENDS)('accounts on %s', (backend) => {
 *   const subgraph = new TestSubgraph(accountsSubgraph, { backend });
 *   const gql = subgraph.request;
 *   beforeAll(() => subgraph.start());
 *   afterAll(() => subgraph.stop());
 * ```
 */
export class TestSubgraph<F extends LoaderFactories<RequestContext>> implements AsyncDisposable {
  readonly #definition: SubgraphDefinition<F>;
  readonly #options: TestSubgraphOptions;
  #state: State = { kind: 'idle' };

  constructor(definition: SubgraphDefinition<F>, options: TestSubgraphOptions) {
    this.#definition = definition;
    this.#options = options;
  }

  /** Creates the databases (on PostgreSQL) and starts the subgraph; drops them again if it fails. */
  async start(): Promise<RunningSubgraph> {
    if (this.#state.kind !== 'idle')
      throw new Error(`test subgraph ${this.#definition.name} already started`);
    const real =
      this.#options.backend === 'PostgreSQL shards with replicas'
        ? await createRealShards(this.#options.databasePrefix ?? this.#definition.name, 2)
        : undefined;
    try {
      const config = testRuntimeConfig({ ...this.#options.config, ...(real ? { shards: real.shards } : {}) });
      const running = await startSubgraph(this.#definition, config);
      this.#state = { kind: 'running', running, real };
      return running;
    } catch (error) {
      await real?.drop();
      throw error;
    }
  }

  /** The started subgraph (its `url`, its `services`); throws before `start()`. */
  get running(): RunningSubgraph {
    if (this.#state.kind !== 'running') {
      throw new Error(`test subgraph ${this.#definition.name} is not running (${this.#state.kind})`);
    }
    return this.#state.running;
  }

  /**
   * POSTs an operation to the subgraph as `identity` (signed as the gateway signs), or unsigned
   * when it is null. A bound function: `const gql = subgraph.request` works.
   */
  readonly request = <D = Record<string, unknown>>(
    query: string,
    identity: TestIdentity | null,
    variables: Record<string, unknown> = {},
  ): Promise<GraphQLResponse<D>> => graphqlRequest<D>(this.running.url, query, { identity, variables });

  /** Stops the subgraph, then drops its databases. Idempotent; a no-op when it never started. */
  async stop(): Promise<void> {
    const state = this.#state;
    this.#state = { kind: 'stopped' };
    if (state.kind !== 'running') return;
    await state.running.stop();
    await state.real?.drop();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
