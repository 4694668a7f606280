import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderKustomizationWithOrigins } from '../../../infrastructure/src/kustomize/render-kustomization.js';
import {
  defaultCrdsDir,
  type LoadedManifestValidator,
  loadManifestValidator,
} from '../../../infrastructure/src/validation/load-manifest-validator.js';

/*
 * The subgraph walk-through as a new user runs it, in a copy of this repository (its sources;
 * node_modules linked to this one's, the new subgraph's as `pnpm install` would link it):
 *   pnpm create:subgraph → pnpm schema:check (--json too) → pnpm schema:compose → pnpm start,
 * each step exiting 0, the new subgraph then served through the gateway, and the copy's
 * manifests — the scaffolded Service/Deployment included — rendering and validating.
 */
const repo = path.resolve(import.meta.dirname, '..', '..', '..');
let copy: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  copy = mkdtempSync(path.join(tmpdir(), 'intelgraph-walkthrough-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && existsSync(path.join(repo, f)));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
    cpSync(path.join(repo, f), path.join(copy, f));
  }
  const modules = execFileSync('find', ['.', '-maxdepth', '3', '-name', 'node_modules', '-prune'], {
    cwd: repo,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  for (const m of modules) {
    if (!existsSync(path.join(copy, path.dirname(m)))) continue;
    symlinkSync(path.join(repo, m), path.join(copy, m));
  }
}, 60_000);
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (copy) rmSync(copy, { recursive: true, force: true });
});

/** `pnpm <script>` of the root package.json, in the copy (its tsx command with the copy's files). */
function pnpmScript(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', ...args], {
    cwd: copy,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => {
    out.stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out.stderr += c.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exit };
}
const step = async (args: string[]) => {
  const r = pnpmScript(args);
  const code = await r.exit;
  expect(code, `${args.join(' ')}\n${r.out.stdout}\n${r.out.stderr}`).toBe(0);
  return r.out.stdout;
};

describe('create:subgraph → schema:check → schema:compose → pnpm start', () => {
  it('runs in a row with no error, and the new subgraph is served through the gateway', async () => {
    const created = await step(['scripts/schema/create-subgraph.ts', 'walk-notes']);
    expect(created).toContain('infrastructure/kubernetes/base/services/walk-notes.yaml');
    const readme = readFileSync(path.join(copy, 'subgraphs', 'walk-notes', 'README.md'), 'utf8');
    expect(readme.match(/__\w+__|\*\*(name|Name|port|camel|snake)\*\*/g)).toBeNull();
    expect(readme).toMatch(/^# walk-notes subgraph/);
    // What `pnpm install` does for the new package: link its dependencies (the template's).
    symlinkSync(
      path.join(repo, 'subgraphs', '_template', 'node_modules'),
      path.join(copy, 'subgraphs', 'walk-notes', 'node_modules'),
    );

    const check = await step(['scripts/schema/check.ts']);
    expect(check).toMatch(/^walk_notes:$/m);
    expect(check).toMatch(/\+ safe: TYPE_ADDED: Type WalkNotesNote was added\./);
    expect(check).toMatch(/\+ safe: FIELD_ADDED: Query\.walkNotesNotes was added\./);
    expect(check).toMatch(/^\d+ safe, 0 dangerous, 0 breaking \(0 not acknowledged\)$/m);
    const json = JSON.parse(await step(['scripts/schema/check.ts', '--json'])) as {
      ok: boolean;
      counts: { safe: number; breaking: number };
      subgraphs: Record<string, { severity: string; coordinate: string }[]>;
    };
    expect(json.ok).toBe(true);
    expect(json.counts.breaking).toBe(0);
    expect(json.subgraphs.walk_notes?.map((c) => c.coordinate)).toContain('WalkNotesNote');

    const composed = await step(['scripts/schema/compose.ts']);
    expect(composed).toContain('walk_notes');
    const cluster = readFileSync(
      path.join(copy, 'infrastructure', 'kubernetes', 'base', 'supergraph', 'supergraph.graphql'),
      'utf8',
    );
    expect(cluster).toMatch(
      /@join__graph\(name: "walk_notes", url: "http:\/\/walk-notes\.intelgraph\.svc:\d+\/graphql"\)/,
    );

    const start = pnpmScript(['scripts/dev/start.ts'], {
      GATEWAY_PORT: '0',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    });
    const deadline = Date.now() + 120_000;
    while (!start.out.stdout.includes('Ctrl-C stops everything.')) {
      if (start.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`pnpm start did not come up:\n${start.out.stdout}\n${start.out.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(start.out.stdout).toMatch(/Subgraphs .*walk_notes http/);
    const url = /GraphQL\s+(http:\/\/\S+\/graphql)/.exec(start.out.stdout)![1]!;
    const token = /Demo token[^\n]*\n\s+(\S+)/.exec(start.out.stdout)![1]!;
    const gql = async (query: string) =>
      (await (
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query }),
        })
      ).json()) as unknown;
    expect(await gql('mutation { addWalkNotesNote(text: "on the way") { text } }')).toEqual({
      data: { addWalkNotesNote: { text: 'on the way' } },
    });
    expect(await gql('{ walkNotesNotes { text } }')).toEqual({
      data: { walkNotesNotes: [{ text: 'on the way' }] },
    });
    start.child.kill('SIGINT');
    expect(await start.exit).toBe(0);
  }, 300_000);

  let validator: LoadedManifestValidator;
  beforeAll(() => {
    validator = loadManifestValidator({
      infraDir: path.join(repo, 'infrastructure'),
      crdsDir: defaultCrdsDir(repo, process.env),
    });
  }, 120_000);

  it("the copy's overlays render with the scaffolded manifests, and every object validates", () => {
    const { resources, originOf } = renderKustomizationWithOrigins(
      path.join(copy, 'infrastructure', 'kubernetes', 'overlays', 'prod'),
    );
    const names = resources
      .filter((r) => r.metadata.name === 'walk-notes')
      .map((r) => r.kind)
      .sort();
    expect(names).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    expect(resources.flatMap((r) => validator.validate(r, originOf(r)))).toEqual([]);
  });
});
