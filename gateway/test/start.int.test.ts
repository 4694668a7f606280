import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_QUERY } from '../src/dev/demo-data.js';

/*
 * `pnpm start` as a user runs it (the README's first line, after install): the script's own
 * process on embedded defaults, on free ports (GATEWAY_PORT=0). What it prints must work: the URL,
 * the demo token, the example queries over the seeded demo data; Ctrl-C stops it with exit 0.
 */
const root = join(import.meta.dirname, '..', '..');
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

async function graphql(url: string, token: string, query: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: reads arbitrary JSON
  return (await res.json()) as any;
}

describe('pnpm start', () => {
  it('prints a working URL, token and example queries over seeded demo data; Ctrl-C exits 0', async () => {
    const started = spawn(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', join(root, 'scripts', 'dev', 'start.ts')],
      {
        cwd: root,
        // With the response cache on: the subgraphs' events must reach it through the platform's bus.
        env: {
          ...process.env,
          GATEWAY_PORT: '0',
          LOG_LEVEL: 'warn',
          NODE_ENV: 'production',
          CACHE_RESPONSES: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = started;
    let out = '';
    let err = '';
    started.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    started.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const deadline = Date.now() + 90_000;
    while (!out.includes('Ctrl-C stops everything.')) {
      if (started.exitCode !== null || Date.now() > deadline)
        throw new Error(`pnpm start did not come up:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /GraphQL\s+(http:\/\/\S+\/graphql)/.exec(out)?.[1];
    const token = /Demo token[^\n]*\n\s+(\S+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(out).toContain(DEMO_QUERY);
    expect(err).not.toMatch(/seeding the demo (user|data) failed/);

    const me = await graphql(url!, token!, '{ me { id name email tenant { name } } }');
    expect(me.data.me).toMatchObject({ name: 'Demo Analyst', tenant: { name: 'Demo Corp' } });

    // Development conveniences, NODE_ENV=production notwithstanding: introspection for GraphiQL
    // and IDEs, CORS for a web app on any localhost port, the demo token in GraphiQL's headers.
    const schema = await graphql(url!, token!, '{ __schema { queryType { name } } }');
    expect(schema.data.__schema.queryType.name).toBe('Query');
    const preflight = await fetch(url!, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const graphiql = await fetch(`${new URL(url!).origin}/graphiql/assets/start.js`);
    expect(await graphiql.text()).toContain(`Bearer ${token}`);
    // The investigation's read model follows its events: give it a moment.
    let demo = await graphql(url!, token!, DEMO_QUERY);
    for (let i = 0; i < 50 && demo.data?.investigations.edges[0]?.node.entities.length !== 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      demo = await graphql(url!, token!, DEMO_QUERY);
    }
    expect(demo.errors).toBeUndefined();
    const [investigation] = demo.data.investigations.edges.map((e: { node: unknown }) => e.node);
    expect(investigation.title).toBe('Who built the Analytical Engine?');
    expect(
      investigation.entities.map((e: { name: string; relationshipCount: number }) => [
        e.name,
        e.relationshipCount,
      ]),
    ).toEqual([
      ['Ada Lovelace', 2],
      ['Charles Babbage', 2],
      ['Analytical Engines Ltd', 2],
    ]);
    expect(
      investigation.entities.every(
        (e: { createdBy: { name: string } }) => e.createdBy.name === 'Demo Analyst',
      ),
    ).toBe(true);

    // A cached list is fresh after a change: the entity's event purges it through the platform's
    // in-process bus, as it would through RabbitMQ or Kafka.
    // Ids selected: every entity is named in the response's tags, so it is cached for the full 60 s.
    const LIST = '{ entities(first: 10) { edges { node { id name } } } }';
    const names = async () =>
      (await graphql(url!, token!, LIST)).data.entities.edges.map(
        (e: { node: { name: string } }) => e.node.name,
      );
    expect(await names()).toHaveLength(5);
    expect(await names()).toHaveLength(5); // now from the response cache
    const created = await graphql(
      url!,
      token!,
      'mutation { createEntity(input: { kind: EVENT, name: "Lecture" }) { id } }',
    );
    expect(created.errors).toBeUndefined();
    let fresh: string[] = [];
    for (let i = 0; i < 100 && !fresh.includes('Lecture'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      fresh = await names();
    }
    expect(fresh).toContain('Lecture');

    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    started.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 120_000);
});
