/**
 * Child process of platform-bench.ts: the platform (every subgraph on its own real PostgreSQL
 * shards with streaming replicas, and our gateway), seeded with a tenant, a user and entities.
 */

import { startPlatform } from '../../../gateway/src/dev/platform.js';
import { createRealShards, type RealShards } from '../../../packages/subgraph-runtime/src/testing/index.js';

const shards = new Map<string, RealShards>();
for (const name of ['accounts', 'entities', 'investigations'])
  shards.set(name, await createRealShards(`bench${name}`, 2));
const platform = await startPlatform({
  gatewayPort: 0,
  subgraphPorts: 'any',
  tenant: 'bench',
  env: { ...process.env, LOG_LEVEL: 'warn', SUBGRAPH_LOG_LEVEL: 'warn', ALLOW_ANONYMOUS: 'false' },
  subgraphEnv: (name) => ({ DATABASE_SHARDS: JSON.stringify(shards.get(name)?.shards ?? []) }),
});
const url = platform.gateway.url;
const call = async (query: string, bearer: string) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: Record<string, { id: string }>; errors?: unknown[] };
};
const bootstrap = await platform.token('bench:bootstrap');
await call('mutation { createTenant(input: { name: "Bench Corp" }) { id } }', bootstrap);
const user = await call(
  'mutation { createUser(input: { email: "b@bench.test", name: "Bea", role: ADMIN }) { id } }',
  bootstrap,
);
const token = await platform.token(user.data?.createUser?.id ?? 'bench:x');
for (let i = 0; i < 20; i++) {
  const r = await call(
    `mutation { createEntity(input: { kind: PERSON, name: "Person ${i}" }) { id } }`,
    token,
  );
  if (r.errors) throw new Error(`seeding failed: ${JSON.stringify(r.errors)}`);
}
process.on('message', (m: { type: string }) => {
  if (m.type === 'stop') {
    void (async () => {
      await platform.stop();
      for (const s of shards.values()) await s.drop();
      process.exit(0);
    })();
  }
});
process.send?.({ type: 'ready', url, token });
