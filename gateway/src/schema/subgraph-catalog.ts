import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocumentNode } from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { SubgraphSdl } from '../supergraph/compose.js';
import { subgraphEntry } from './subgraph-entry.js';

interface DefinitionLike {
  readonly name: string;
  readonly typeDefs: DocumentNode;
}

interface ConfigSpecLike {
  readonly port?: { readonly defaultValue?: string };
}

function isDefinition(value: unknown): value is DefinitionLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DefinitionLike).name === 'string' &&
    (value as { typeDefs?: { kind?: string } }).typeDefs?.kind === 'Document'
  );
}

/**
 * Every subgraph of the repository: each `subgraphs/<name>` whose entry module (`subgraphEntry`;
 * the template excepted) exports a SubgraphDefinition (`{ name, typeDefs }`) and its `configSpec`.
 * The routing URL is `urls[name]`, else loopback on the subgraph's default PORT.
 */
export async function loadSubgraphs(
  root: string,
  urls: Readonly<Record<string, string>> = {},
): Promise<SubgraphSdl[]> {
  const dir = join(root, 'subgraphs');
  const out: SubgraphSdl[] = [];
  for (const folder of readdirSync(dir).sort()) {
    const entry = subgraphEntry(root, folder);
    if (folder.startsWith('_') || !existsSync(entry)) continue;
    const mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    const definition = Object.values(mod).find(isDefinition);
    if (!definition) continue;
    const port = (mod.configSpec as ConfigSpecLike | undefined)?.port?.defaultValue;
    out.push({
      name: definition.name,
      url: urls[definition.name] ?? `http://127.0.0.1:${port ?? '4000'}/graphql`,
      sdl: graphqlJs.print(definition.typeDefs),
    });
  }
  return out;
}
