import {
  ApolloGateway,
  type GraphQLDataSourceProcessOptions,
  RemoteGraphQLDataSource,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { acceptSecurityFeatures } from '../../src/security/accept-security-features.js';

/*
 * The reference: vanilla Apollo Gateway inside Apollo Server, default settings, over HTTP. The
 * only additions are what the subgraphs need to answer at all: the request headers named in
 * `forwardHeaders` (the platform subgraphs' signed identity) are passed on to every subgraph, and
 * the `for: SECURITY` purpose is dropped from the supergraph's authorization links (Apollo Gateway
 * refuses to load them; the directives stay and it ignores them).
 */

export interface VanillaGateway extends AsyncDisposable {
  readonly url: string;
  stop(): Promise<void>;
}

interface Context {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

class ForwardingDataSource extends RemoteGraphQLDataSource<Context> {
  readonly #forward: readonly string[];

  constructor(url: string, forward: readonly string[]) {
    super({ url });
    this.#forward = forward;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<Context>): void {
    for (const name of this.#forward) {
      const value = (context as Partial<Context>).headers?.[name];
      if (typeof value === 'string') request.http?.headers.set(name, value);
    }
  }
}

export async function startVanillaGateway(
  supergraphSdl: string,
  options: { forwardHeaders?: readonly string[] } = {},
): Promise<VanillaGateway> {
  const forward = options.forwardHeaders ?? [];
  const gateway = new ApolloGateway({
    supergraphSdl: acceptSecurityFeatures(supergraphSdl),
    ...(forward.length > 0 ? { buildService: ({ url }) => new ForwardingDataSource(url!, forward) } : {}),
  });
  const server = new ApolloServer<Context>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ headers: req.headers }),
  });
  const stop = () => server.stop();
  return { url, stop, [Symbol.asyncDispose]: stop };
}
