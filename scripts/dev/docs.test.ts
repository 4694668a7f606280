import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The documentation stays true and self-contained: every repository path docs/architecture.md
 * names exists, every package has its place there, and no Markdown file of the repository links
 * to (or names) a document outside it — a fresh clone has nothing beside it.
 */
const root = resolve(import.meta.dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage']);

function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...markdownFiles(path));
    else if (entry.name.endsWith('.md')) out.push(path);
  }
  return out;
}

const TOP = ['gateway', 'subgraphs', 'packages', 'scripts', 'docs', 'infrastructure'];

/** Backticked tokens of `text` that are repository paths (`packages/…`, `gateway/…`, …). */
function repositoryPaths(text: string): string[] {
  const paths = new Set<string>();
  for (const [, token] of text.matchAll(/`([^`\s]+)`/g)) {
    const path = token!.replace(/[.,;:]$/, '');
    if (TOP.some((top) => path === `${top}/` || path.startsWith(`${top}/`))) paths.add(path);
  }
  return [...paths];
}

/** Relative link targets of `text` (`[…](target)`), without anchors; external links left out. */
function linkTargets(text: string): string[] {
  const targets: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!) || target!.startsWith('#')) continue;
    targets.push(target!.replace(/#.*$/, ''));
  }
  return targets;
}

const inside = (path: string): boolean => path === root || path.startsWith(root + sep);

describe('docs/architecture.md', () => {
  const text = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const paths = repositoryPaths(text);

  it('names files of the repository (the check below is not vacuous)', () => {
    expect(paths.length).toBeGreaterThan(40);
  });

  it.each(paths)('names %s, which exists', (path) => {
    expect(existsSync(join(root, path)), `${path} is named in docs/architecture.md`).toBe(true);
  });

  it('gives every package, every subgraph and the gateway a place among the parts', () => {
    const folders = ['packages', 'subgraphs'].flatMap((top) =>
      readdirSync(join(root, top), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(root, top, d.name, 'package.json')))
        .map((d) => `${top}/${d.name}/`),
    );
    for (const folder of [...folders, 'gateway/']) expect(text, folder).toContain(`\`${folder}\``);
  });
});

describe('Markdown of the repository', () => {
  const files = markdownFiles(root);

  it('includes the READMEs', () => {
    expect(files.map((f) => relative(root, f))).toEqual(
      expect.arrayContaining(['README.md', 'gateway/README.md', 'packages/advanced-caching/README.md']),
    );
  });

  it.each(files.map((f) => relative(root, f)))('%s links only to files inside the repository', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    for (const target of linkTargets(text)) {
      if (target === '') continue;
      const to = resolve(dirname(join(root, file)), target);
      expect(inside(to), `${file} links to ${target}, outside the repository`).toBe(true);
      expect(existsSync(to), `${file} links to ${target}, which does not exist`).toBe(true);
    }
    // A document named by a relative path that leaves the repository (`../shared/DESIGN.md`).
    for (const [path] of text.matchAll(/(?:\.\.\/)+[\w./-]*\.md\b/g)) {
      const fromFile = resolve(dirname(join(root, file)), path);
      expect(inside(fromFile), `${file} names ${path}, a document outside the repository`).toBe(true);
    }
  });
});
