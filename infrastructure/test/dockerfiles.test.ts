import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/validation/dockerfile.js';
import { SERVICES } from '../src/validation/service-catalog.js';
import { REPO_ROOT } from './paths.js';

/*
 * The images cannot be built here (no Docker engine), so their Dockerfiles are checked for what
 * the platform relies on: Node.js 24, multi-stage, the service compiled with tsc in a build stage,
 * `pnpm deploy --prod` from the frozen lockfile, a runtime stage that runs that build's JavaScript
 * (no tsx, no TypeScript) as a non-root user, the service's port and host, a /health HEALTHCHECK.
 * Paths are relative to the build context, the repository root (`docker build -f <dir>/Dockerfile .`).
 */
interface Manifest {
  readonly name: string;
  readonly files?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
}
interface BuildConfig {
  readonly compilerOptions: { readonly rootDir: string; readonly outDir: string };
}
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Workspace package folders by name (what `workspace:*` dependencies resolve to). */
function workspacePackages(): Map<string, string> {
  const dirs = [
    'gateway',
    ...['packages', 'subgraphs'].flatMap((top) =>
      readdirSync(path.join(REPO_ROOT, top)).map((d) => `${top}/${d}`),
    ),
  ];
  const out = new Map<string, string>();
  for (const dir of dirs) {
    const file = path.join(REPO_ROOT, dir, 'package.json');
    if (existsSync(file)) out.set(readJson<Manifest>(file).name, dir);
  }
  return out;
}

/** Every package name in the production dependency closure of `dir` (workspace packages followed). */
function productionDependencies(
  dir: string,
  workspace: Map<string, string>,
  seen = new Set<string>(),
): Set<string> {
  for (const name of Object.keys(
    readJson<Manifest>(path.join(REPO_ROOT, dir, 'package.json')).dependencies ?? {},
  )) {
    if (seen.has(name)) continue;
    seen.add(name);
    const local = workspace.get(name);
    if (local) productionDependencies(local, workspace, seen);
  }
  return seen;
}

describe.each(SERVICES)('$dir/Dockerfile', (service) => {
  const file = path.join(REPO_ROOT, service.dir, 'Dockerfile');
  const ins = parseDockerfile(readFileSync(file, 'utf8'));
  const last = Math.max(...ins.map((i) => i.stage));
  const final = ins.filter((i) => i.stage === last);
  const all = (k: string) => ins.filter((i) => i.keyword === k);
  const one = (k: string) => final.filter((i) => i.keyword === k);
  const manifest = readJson<Manifest>(path.join(REPO_ROOT, service.dir, 'package.json'));
  // Global ARG defaults, as `FROM ${NAME}` sees them.
  const args = new Map(
    ins
      .filter((i) => i.keyword === 'ARG' && i.stage === -1)
      .map((a) => a.args.split('=') as [string, string | undefined]),
  );
  const image = (from: string) =>
    from.split(/\s+/)[0]!.replace(/^\$\{(\w+)\}$/, (_, n: string) => args.get(n) ?? '');

  it('builds in stages on Node.js 24 and runs from a separate slim stage', () => {
    expect(all('FROM').length).toBeGreaterThanOrEqual(3);
    expect(one('FROM')[0]!.args).toMatch(/AS runtime$/);
    const stages = all('FROM').map((f) => /AS (\S+)$/.exec(f.args)?.[1]);
    for (const from of all('FROM')) {
      const base = image(from.args);
      // Each stage starts from the Node.js image or from an earlier stage.
      if (!stages.includes(base)) expect(base, from.args).toMatch(/^node:24([.\d]*)(-[a-z]+)*$/);
    }
    expect(image(one('FROM')[0]!.args)).toMatch(/^node:24[.\d]*(-[a-z]+)*-(slim|alpine)$/);
  });

  it('copies only what exists in the build context', () => {
    for (const c of all('COPY').filter((i) => !/--from=/.test(i.args))) {
      const parts = c.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1))
        expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
    }
  });

  it('compiles the service with tsc and deploys it with production dependencies only, from the frozen lockfile', () => {
    expect(all('COPY').some((c) => c.args.includes('pnpm-lock.yaml'))).toBe(true);
    const install = all('RUN').find((r) => /pnpm install\b/.test(r.args));
    expect(install?.args).toMatch(/--frozen-lockfile/);
    const build = all('RUN').find((r) => r.args.includes(`pnpm --filter ${manifest.name} build`));
    expect(build, `RUN pnpm --filter ${manifest.name} build`).toBeDefined();
    const deploy = all('RUN').find((r) => /pnpm --filter \S+ deploy/.test(r.args));
    expect(deploy?.args).toContain(`--filter ${manifest.name} deploy --prod`);
    expect(build!.stage).toBeLessThanOrEqual(deploy!.stage);
    expect(deploy!.stage).toBeLessThan(last);
  });

  it('runs the JavaScript the build stage compiled, never TypeScript through tsx', () => {
    const cmd = JSON.parse(one('CMD').at(-1)!.args) as string[];
    expect(cmd).toHaveLength(2);
    expect(cmd[0]).toBe('node');
    const entry = cmd[1]!;
    // The entry is tsc's output for a source file of the service: outDir/<x>.js from rootDir/<x>.ts,
    // and `pnpm deploy` copies outDir (package.json "files").
    const { rootDir, outDir } = readJson<BuildConfig>(
      path.join(REPO_ROOT, service.dir, 'tsconfig.build.json'),
    ).compilerOptions;
    expect(entry.startsWith(`${outDir}/`), entry).toBe(true);
    expect(entry).toMatch(/\.js$/);
    const source = path.join(rootDir, entry.slice(outDir.length + 1).replace(/\.js$/, '.ts'));
    expect(existsSync(path.join(REPO_ROOT, service.dir, source)), source).toBe(true);
    expect(manifest.files).toContain(outDir);
    // Nothing of the final stage mentions tsx, and none of the deployed production dependencies is it.
    for (const i of final) expect(i.args).not.toMatch(/\btsx\b|\.ts\b/);
    expect(productionDependencies(service.dir, workspacePackages()).has('tsx')).toBe(false);
  });

  it('runs as a non-root user on its port, bound to all interfaces, with a /health check', () => {
    const user = one('USER').at(-1)!.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    expect(one('EXPOSE').map((e) => e.args)).toEqual([String(service.port)]);
    const env = one('ENV')
      .map((e) => e.args)
      .join(' ');
    expect(env).toContain(`PORT=${service.port}`);
    expect(env).toContain('HOST=0.0.0.0');
    expect(env).toContain('NODE_ENV=production');
    expect(one('HEALTHCHECK')[0]!.args).toContain("'/health'");
    // The runtime copies only the deployed output, never the whole build context.
    for (const c of one('COPY')) expect(c.args).toMatch(/--from=\w+ .*\/out \/app$/);
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, VCS data and secrets out of the build context', () => {
    const lines = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/node_modules', '.git', '**/.env']) expect(lines).toContain(p);
  });
});

describe('parseDockerfile', () => {
  it('joins continuation lines, drops comments and numbers stages', () => {
    const ins = parseDockerfile('# c\nFROM a AS b\nRUN x \\\n  && y\nFROM c\nUSER 1\n');
    expect(ins).toEqual([
      { keyword: 'FROM', args: 'a AS b', stage: 0 },
      { keyword: 'RUN', args: 'x    && y', stage: 0 },
      { keyword: 'FROM', args: 'c', stage: 1 },
      { keyword: 'USER', args: '1', stage: 1 },
    ]);
  });
});
