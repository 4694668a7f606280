import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** The `src/` folders of every workspace package and service. */
export function sourceRoots(repoRoot: string): string[] {
  const roots = [path.join(repoRoot, 'gateway', 'src')];
  for (const parent of ['packages', 'subgraphs']) {
    const dir = path.join(repoRoot, parent);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) roots.push(path.join(dir, name, 'src'));
  }
  return roots.filter((r) => existsSync(r));
}

/**
 * Every Prometheus metric name the code registers: string literals that look like our metric
 * names (`intelgraph_…`, `gateway_…`), and `${prefix}suffix` names combined with the literal
 * prefixes (`'intelgraph_shard_'`) the code declares.
 */
export function metricNamesInCode(repoRoot: string): Set<string> {
  const literals = new Set<string>();
  const prefixes = new Set<string>();
  const suffixes = new Set<string>();
  for (const file of sourceRoots(repoRoot).flatMap(sourceFiles)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`]((?:intelgraph|gateway)_[a-z0-9_]+)['"`]/g)) {
      const s = m[1]!;
      if (s.endsWith('_')) prefixes.add(s);
      else literals.add(s);
    }
    for (const m of text.matchAll(/`\$\{prefix\}([a-z0-9_]+)`/g)) suffixes.add(m[1]!);
  }
  for (const p of prefixes) for (const s of suffixes) literals.add(p + s);
  return literals;
}
