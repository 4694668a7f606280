import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { IntelGraphError } from '@intelgraph/errors';
import { graphqlJs } from '../graphql-js.js';
import type { GatewayPlugin, RequestState, SubgraphFetch } from '../plugin.js';

const { GraphQLError } = graphqlJs;

const MUTATION = /^\s*mutation\b/;

type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/** Builds the fetch pipeline of one subgraph: the first plugin is the outermost wrapper. */
export function buildSubgraphFetch(
  transport: SubgraphFetch,
  plugins: readonly GatewayPlugin[],
  subgraph: string,
): SubgraphFetch {
  let fetch = transport;
  for (let i = plugins.length - 1; i >= 0; i--) {
    const wrap = plugins[i]!.wrapSubgraphFetch;
    if (wrap) fetch = wrap.call(plugins[i], fetch, subgraph);
  }
  return fetch;
}

/**
 * The gateway's data source for one subgraph: serialises the subgraph operation, adds the
 * headers plugins contribute (signed identity, traceparent) and sends it through the fetch
 * pipeline. A failure becomes a located GraphQL error carrying the subgraph's name and a code,
 * so the gateway returns the rest of the data next to it.
 */
export class PipelineDataSource implements GraphQLDataSource<RequestState> {
  readonly #name: string;
  readonly #url: string;
  readonly #fetch: SubgraphFetch;
  readonly #headerPlugins: readonly GatewayPlugin[];
  /** JSON text of each subgraph operation (a handful per query plan), escaped once, not per fetch. */
  readonly #encodedQueries = new Map<string, string>();

  constructor(name: string, url: string, fetch: SubgraphFetch, plugins: readonly GatewayPlugin[]) {
    this.#name = name;
    this.#url = url;
    this.#fetch = fetch;
    this.#headerPlugins = plugins.filter((p) => p.subgraphHeaders);
  }

  async process(options: GraphQLDataSourceProcessOptions<RequestState>): Promise<GatewayGraphQLResponse> {
    const state = options.kind === 'incoming operation' ? (options.context as RequestState) : undefined;
    const { query, variables, operationName } = options.request;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    for (const p of this.#headerPlugins) p.subgraphHeaders!(state, headers);
    const body = this.#body(query, variables, operationName);
    try {
      const response = await this.#fetch({
        subgraph: this.#name,
        url: this.#url,
        body,
        headers,
        idempotent: query === undefined || !MUTATION.test(query),
        state,
      });
      return response.body as GatewayGraphQLResponse;
    } catch (error) {
      const e = IntelGraphError.is(error)
        ? error
        : new IntelGraphError('SUBGRAPH_REQUEST_FAILED', `Subgraph "${this.#name}" failed`, { cause: error });
      throw new GraphQLError(e.message, {
        originalError: e,
        extensions: { code: e.code, serviceName: this.#name },
      });
    }
  }

  /** The same text as `JSON.stringify({ query, variables, operationName })`, the query escaped once. */
  #body(query: string | undefined, variables: unknown, operationName: string | undefined): string {
    if (query === undefined) return JSON.stringify({ variables, operationName });
    let encoded = this.#encodedQueries.get(query);
    if (encoded === undefined) {
      encoded = JSON.stringify(query);
      if (this.#encodedQueries.size >= 1000) this.#encodedQueries.clear();
      this.#encodedQueries.set(query, encoded);
    }
    let body = `{"query":${encoded}`;
    if (variables !== undefined) body += `,"variables":${JSON.stringify(variables)}`;
    if (operationName !== undefined) body += `,"operationName":${JSON.stringify(operationName)}`;
    return `${body}}`;
  }
}
