/**
 * `pnpm schema:check`: composes the subgraphs as they are now and compares the result with the
 * current supergraph (gateway/supergraph.graphql, or --against FILE). Fails (exit 1) with readable
 * composition errors, or with the list of breaking changes (removed field, changed type or
 * nullability, …) that are not acknowledged in scripts/schema/acknowledged-changes.json (an array
 * of "TYPE: description" strings, as printed). Dangerous changes are printed as warnings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { diffSupergraphs, isAcknowledged } from '../../gateway/src/schema/schema-diff.js';
import { loadSubgraphs } from '../../gateway/src/schema/subgraph-catalog.js';
import { composeSupergraph } from '../../gateway/src/supergraph/compose.js';

const root = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: { against: { type: 'string' }, acknowledged: { type: 'string' }, root: { type: 'string' } },
});
const repo = values.root ? resolve(values.root) : root;
const against = values.against ? resolve(values.against) : join(root, 'gateway', 'supergraph.graphql');
const ackFile = values.acknowledged
  ? resolve(values.acknowledged)
  : join(import.meta.dirname, 'acknowledged-changes.json');

let composed: string;
try {
  composed = composeSupergraph(await loadSubgraphs(repo));
} catch (error) {
  console.error(`✗ composition failed:\n  ${(error as Error).message.replace(/\n/g, '\n  ')}`);
  process.exit(1);
}
console.log('✓ subgraphs compose');
if (!existsSync(against)) {
  console.log(`(no current supergraph at ${against}: nothing to compare; run pnpm schema:compose)`);
  process.exit(0);
}
const acknowledged = existsSync(ackFile) ? (JSON.parse(readFileSync(ackFile, 'utf8')) as string[]) : [];
const { breaking, dangerous } = diffSupergraphs(readFileSync(against, 'utf8'), composed);
for (const c of dangerous) console.log(`! dangerous: ${c.type}: ${c.description}`);
const open = breaking.filter((c) => !isAcknowledged(c, acknowledged));
for (const c of breaking)
  console.log(`${open.includes(c) ? '✗' : '✓ acknowledged'} breaking: ${c.type}: ${c.description}`);
if (open.length > 0) {
  console.error(
    `\n${open.length} breaking change(s) against ${against}.\nIf they are intended, add each line (without the mark) to ${ackFile}, or keep the old fields deprecated for a release.`,
  );
  process.exit(1);
}
console.log(breaking.length === 0 ? '✓ no breaking changes' : '✓ every breaking change is acknowledged');
