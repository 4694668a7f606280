/**
 * `pnpm schema:check [--json]`: composes the subgraphs as they are now and compares the result with
 * the current supergraph (gateway/supergraph.graphql, or --against FILE). Lists every change, per
 * subgraph: safe (a type or field added), dangerous (a new enum value, a new optional argument, a
 * changed default…) and breaking (a removed field, a changed type or nullability, a new required
 * argument…). Fails (exit 1) with readable composition errors, or when a breaking change is not
 * acknowledged in scripts/schema/acknowledged-changes.json (an array of "TYPE: description"
 * strings, as printed). `--json` prints one JSON document for CI instead of the text report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSubgraphs } from '../../gateway/src/schema/subgraph-catalog.js';
import { composeSupergraph } from '../../gateway/src/supergraph/compose.js';
import { bySubgraph, type SchemaChangeReport, schemaChanges } from './schema-changes.js';

const root = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    against: { type: 'string' },
    acknowledged: { type: 'string' },
    root: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const repo = values.root ? resolve(values.root) : root;
const against = values.against ? resolve(values.against) : join(repo, 'gateway', 'supergraph.graphql');
const ackFile = values.acknowledged
  ? resolve(values.acknowledged)
  : join(repo, 'scripts', 'schema', 'acknowledged-changes.json');
const json = values.json === true;

interface Report {
  readonly composed: boolean;
  readonly compositionErrors?: string;
  readonly against: string;
  readonly subgraphs: Record<string, SchemaChangeReport[]>;
  readonly counts: Record<'safe' | 'dangerous' | 'breaking' | 'unacknowledged', number>;
  readonly ok: boolean;
}

function finish(report: Report): never {
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exit(report.ok ? 0 : 1);
}

const emptyCounts = { safe: 0, dangerous: 0, breaking: 0, unacknowledged: 0 };
let composed: string;
try {
  composed = composeSupergraph(await loadSubgraphs(repo));
} catch (error) {
  const message = (error as Error).message;
  if (!json) console.error(`✗ composition failed:\n  ${message.replace(/\n/g, '\n  ')}`);
  finish({
    composed: false,
    compositionErrors: message,
    against,
    subgraphs: {},
    counts: emptyCounts,
    ok: false,
  });
}
if (!json) console.log('✓ subgraphs compose');
if (!existsSync(against)) {
  if (!json)
    console.log(`(no current supergraph at ${against}: nothing to compare; run pnpm schema:compose)`);
  finish({ composed: true, against, subgraphs: {}, counts: emptyCounts, ok: true });
}
const acknowledged = existsSync(ackFile) ? (JSON.parse(readFileSync(ackFile, 'utf8')) as string[]) : [];
const changes = schemaChanges(readFileSync(against, 'utf8'), composed, acknowledged);
const grouped = bySubgraph(changes);
const open = changes.filter((c) => c.severity === 'breaking' && !c.acknowledged);
const count = (s: SchemaChangeReport['severity']) => changes.filter((c) => c.severity === s).length;
const report: Report = {
  composed: true,
  against,
  subgraphs: grouped,
  counts: {
    safe: count('safe'),
    dangerous: count('dangerous'),
    breaking: count('breaking'),
    unacknowledged: open.length,
  },
  ok: open.length === 0,
};
if (!json) {
  const mark = (c: SchemaChangeReport) =>
    c.severity === 'safe'
      ? '+ safe'
      : c.severity === 'dangerous'
        ? '! dangerous'
        : c.acknowledged
          ? '✓ breaking (acknowledged)'
          : '✗ breaking';
  if (changes.length === 0)
    console.log(`✓ no changes against ${relative(process.cwd(), against) || against}`);
  for (const [subgraph, list] of Object.entries(grouped)) {
    console.log(`\n${subgraph}:`);
    for (const c of list) console.log(`  ${mark(c)}: ${c.type}: ${c.description}`);
  }
  console.log(
    `\n${report.counts.safe} safe, ${report.counts.dangerous} dangerous, ${report.counts.breaking} breaking (${open.length} not acknowledged)`,
  );
  if (open.length > 0) {
    console.error(
      [
        '',
        `${open.length} breaking change(s) against ${against}. Clients reading these fields would fail.`,
        'To ship one on purpose: prefer keeping the old field (@deprecated) for a release; if it must go now,',
        `acknowledge it by adding its line, exactly as printed after the mark, to ${ackFile}, e.g.:`,
        `  [${open.map((c) => JSON.stringify(`${c.type}: ${c.description}`)).join(', ')}]`,
        'then run pnpm schema:check again, commit that file with the change, and pnpm schema:compose.',
      ].join('\n'),
    );
  } else {
    console.log(
      report.counts.breaking === 0 ? '✓ no breaking changes' : '✓ every breaking change is acknowledged',
    );
  }
}
finish(report);
