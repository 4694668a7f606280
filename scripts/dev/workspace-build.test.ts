import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Production runs each package's build (dist/, from `pnpm build` = `tsc -b tsconfig.build.json`);
 * development and tests run its TypeScript source, chosen by the `development` export condition.
 * These checks keep the two wirings from drifting as packages are added.
 */
const root = join(import.meta.dirname, '..', '..');

interface Manifest {
  name: string;
  exports?: Record<string, Record<string, string>>;
  files?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}
interface BuildConfig {
  compilerOptions: { composite?: boolean; rootDir?: string; outDir?: string };
  references?: { path: string }[];
}
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

const packageDirs = ['gateway', 'subgraphs', 'packages'].flatMap((top) =>
  top === 'gateway'
    ? ['gateway']
    : readdirSync(join(root, top))
        .filter((d) => !d.startsWith('_') && existsSync(join(root, top, d, 'package.json')))
        .map((d) => `${top}/${d}`),
);
const manifests = new Map(
  packageDirs.map((dir) => [dir, readJson<Manifest>(join(root, dir, 'package.json'))]),
);
const dirByName = new Map([...manifests].map(([dir, m]) => [m.name, dir]));

describe('the build (tsc project references)', () => {
  const rootRefs = readJson<BuildConfig>(join(root, 'tsconfig.build.json')).references!.map((r) =>
    relative(root, dirname(join(root, r.path))),
  );

  it.each(packageDirs)('%s builds with tsc -b into dist/ and is part of the root build', (dir) => {
    const config = readJson<BuildConfig>(join(root, dir, 'tsconfig.build.json'));
    expect(config.compilerOptions).toMatchObject({ composite: true, rootDir: 'src', outDir: 'dist' });
    expect(rootRefs).toContain(dir);
    expect(manifests.get(dir)!.scripts?.build).toBe('tsc -b tsconfig.build.json');
    // Every workspace package it depends on at run time is built before it.
    const refs = (config.references ?? []).map((r) => relative(root, dirname(join(root, dir, r.path))));
    const runtimeDeps = Object.keys(manifests.get(dir)!.dependencies ?? {})
      .map((name) => dirByName.get(name))
      .filter((d): d is string => d !== undefined);
    for (const dep of runtimeDeps) expect(refs, `${dir} → ${dep}`).toContain(dep);
  });

  it.each(packageDirs)('%s exports its source under `development` and its build by default', (dir) => {
    const manifest = manifests.get(dir)!;
    expect(manifest.files).toContain('dist');
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      expect(Object.keys(target)[0], `${subpath} lists development first`).toBe('development');
      const source = target.development!;
      expect(existsSync(join(root, dir, source)), source).toBe(true);
      if (!source.startsWith('./src/')) {
        // A test fixture (gateway/testing): development only, never in a build.
        expect(target, subpath).toEqual({ development: source });
        continue;
      }
      const js = source.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '.js');
      expect(target, subpath).toEqual({
        development: source,
        types: js.replace(/\.js$/, '.d.ts'),
        default: js,
      });
    }
  });
});

describe('development resolution', () => {
  it('resolves workspace packages to their TypeScript sources in tests', async () => {
    const viaPackage = await import('@intelgraph/config');
    const source = await import(pathToFileURL(join(root, 'packages', 'config', 'src', 'index.ts')).href);
    expect(viaPackage).toBe(source);
    expect(import.meta.resolve('@intelgraph/config')).toBe(
      pathToFileURL(join(root, 'packages', 'config', 'src', 'index.ts')).href,
    );
  });

  it('passes the development condition on to the processes a test starts', () => {
    const resolved = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "process.stdout.write(import.meta.resolve('@intelgraph/config'))"],
      { cwd: root, encoding: 'utf8' },
    );
    expect(resolved).toBe(pathToFileURL(join(root, 'packages', 'config', 'src', 'index.ts')).href);
  });
});
