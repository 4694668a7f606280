import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', 'src');

/** Every bare module a file pulls in, following relative imports. */
function bareImports(file: string, seen = new Set<string>()): Set<string> {
  const bare = new Set<string>();
  if (seen.has(file)) return bare;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
    const spec = match[1]!;
    if (spec.startsWith('.')) {
      for (const b of bareImports(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), seen)) bare.add(b);
    } else {
      bare.add(spec);
    }
  }
  return bare;
}

describe('package exports', () => {
  it('the main entry never loads the AWS SDK; the cloudfront subpath does', () => {
    const main = bareImports(join(src, 'index.ts'));
    expect([...main].filter((m) => m.startsWith('@aws-sdk'))).toEqual([]);
    expect(main.has('ioredis') || main.has('lru-cache')).toBe(true);
    const cloudfront = bareImports(join(src, 'cdn', 'cloudfront', 'index.ts'));
    expect(cloudfront.has('@aws-sdk/client-cloudfront')).toBe(true);
    const pkg = JSON.parse(readFileSync(join(src, '..', 'package.json'), 'utf8'));
    // Sources under the development condition, the build for everyone else.
    expect(pkg.exports['./cloudfront']).toMatchObject({
      development: './src/cdn/cloudfront/index.ts',
      default: './dist/cdn/cloudfront/index.js',
    });
  });
});
