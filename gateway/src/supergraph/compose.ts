import { composeServices } from '@apollo/composition';
import { IntelGraphError } from '@intelgraph/errors';
import { parse } from 'graphql';

export interface SubgraphSdl {
  readonly name: string;
  readonly url: string;
  readonly sdl: string;
}

/**
 * Composes subgraph SDLs into a supergraph SDL, or throws SUPERGRAPH_INVALID whose
 * `details.errors` lists every composition error as readable text.
 */
export function composeSupergraph(subgraphs: readonly SubgraphSdl[]): string {
  const services = subgraphs.map((s) => {
    try {
      return { name: s.name, url: s.url, typeDefs: parse(s.sdl) };
    } catch (error) {
      throw new IntelGraphError(
        'SUPERGRAPH_INVALID',
        `Subgraph "${s.name}" SDL does not parse: ${(error as Error).message}`,
        {
          input: s.name,
          cause: error,
          details: { errors: [`[${s.name}] ${(error as Error).message}`] },
        },
      );
    }
  });
  const result = composeServices(services);
  if (result.errors) {
    const errors = result.errors.map(
      (e) => `${e.extensions?.code ? `[${String(e.extensions.code)}] ` : ''}${e.message}`,
    );
    throw new IntelGraphError('SUPERGRAPH_INVALID', `Composition failed:\n  ${errors.join('\n  ')}`, {
      input: subgraphs.map((s) => s.name),
      details: { errors },
    });
  }
  return result.supergraphSdl;
}
