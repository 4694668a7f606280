import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../src/index.js';

const root = join(import.meta.dirname, '..', '..', '..');
const docsDir = join(root, 'docs', 'errors');
const catalogueDir = join(root, 'packages', 'errors', 'src');

function documentedCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of readdirSync(docsDir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    for (const match of readFileSync(join(docsDir, file), 'utf8').matchAll(/^### ([A-Z][A-Z0-9_]+)\s*$/gm)) {
      codes.set(match[1]!, file);
    }
  }
  return codes;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|js|mjs)$/.test(name) && !/\.test\.ts$/.test(name)) out.push(path);
  }
  return out;
}

describe('error catalogue', () => {
  const catalogue = Object.keys(errorCatalogue).sort();
  const documented = documentedCodes();

  it('documents every code', () => {
    expect(catalogue.filter((code) => !documented.has(code))).toEqual([]);
  });

  it('documents no code that is gone', () => {
    expect([...documented.keys()].filter((code) => !(code in errorCatalogue))).toEqual([]);
  });

  it('raises every code somewhere in the code base', () => {
    const sources = ['packages', 'gateway', 'subgraphs', 'scripts']
      .map((dir) => join(root, dir))
      .flatMap((dir) => {
        try {
          return sourceFiles(dir);
        } catch {
          return [];
        }
      })
      .filter((file) => !relative(catalogueDir, file).startsWith('catalogue'))
      .filter((file) => !file.startsWith(join(catalogueDir, 'catalogue.ts')))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const unused = catalogue.filter((code) => !new RegExp(`['"\`]${code}['"\`]`).test(sources));
    expect(unused).toEqual([]);
  });

  it('gives every code a plausible HTTP status', () => {
    for (const [code, definition] of Object.entries(errorCatalogue)) {
      expect(definition.httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(definition.httpStatus, code).toBeLessThan(600);
    }
  });
});
