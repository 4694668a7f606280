/**
 * `pnpm schema:compose`: composes the supergraph from every subgraph's SDL (each
 * `subgraphs/<name>/src/index.ts` SubgraphDefinition) and writes it to gateway/supergraph.graphql
 * (or --out FILE). Routing URLs: --url name=url (repeatable), else loopback on each subgraph's
 * default port. Exits 1 with the composition errors when it fails.
 * Writing gateway/supergraph.graphql (no --out) also writes the copy the Kubernetes gateway serves,
 * infrastructure/kubernetes/base/supergraph/supergraph.graphql: the same supergraph with in-cluster
 * routing URLs (kustomize reads only files below the kustomization; infrastructure/README.md).
 * Both are computed before either is written, and written through temporary files renamed into
 * place: a failure (a subgraph without a Kubernetes Service, say) leaves both as they were.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSubgraphs } from '../../gateway/src/schema/subgraph-catalog.js';
import { composeSupergraph } from '../../gateway/src/supergraph/compose.js';
import {
  clusterServices,
  clusterSupergraphFile,
  toClusterSupergraph,
} from '../../infrastructure/src/supergraph/cluster-supergraph.js';

const root = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: { out: { type: 'string' }, url: { type: 'string', multiple: true }, root: { type: 'string' } },
});
const urls = Object.fromEntries(
  (values.url ?? []).map((u) => [u.slice(0, u.indexOf('=')), u.slice(u.indexOf('=') + 1)]),
);
const repo = values.root ? resolve(values.root) : root;
const out = values.out ? resolve(values.out) : join(repo, 'gateway', 'supergraph.graphql');
try {
  const subgraphs = await loadSubgraphs(repo, urls);
  const sdl = composeSupergraph(subgraphs);
  const files: [string, string][] = [[out, sdl]];
  if (!values.out) files.push([clusterSupergraphFile(repo), toClusterSupergraph(sdl, clusterServices(repo))]);
  const temps = files.map(([file, text]) => {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    return temp;
  });
  try {
    for (const [i, [file]] of files.entries()) renameSync(temps[i]!, file);
  } finally {
    for (const t of temps) rmSync(t, { force: true });
  }
  console.log(`composed ${subgraphs.map((s) => `${s.name} (${s.url})`).join(', ')} → ${out}`);
  if (files[1]) console.log(`  and, with in-cluster routing URLs → ${files[1][0]}`);
} catch (error) {
  console.error(`schema:compose failed (nothing written):\n${(error as Error).message}`);
  process.exit(1);
}
