/**
 * `pnpm start` (scripts/dev/start.ts): the platform on embedded defaults (see platform.ts), a
 * seeded demo tenant with sample data (demo-data.ts), then the URL, a demo token and example
 * queries. Ctrl-C (SIGINT) or SIGTERM
 * drains and stops everything. The gateway port is GATEWAY_PORT (default 4000; 0 puts the gateway
 * and the subgraphs on any free ports).
 */
import { createLogger } from '@intelgraph/telemetry';
import { DEMO_QUERY, type DemoCall, seedDemoData } from './demo-data.js';
import { type Platform, startPlatform } from './platform.js';

const log = createLogger({ service: 'start', level: process.env.LOG_LEVEL ?? 'info' });
let platform: Platform | undefined;
let stopping = false;
const stopAll = async (code: number): Promise<never> => {
  if (!stopping) {
    stopping = true;
    log.info('stopping');
    await platform?.stop();
  }
  process.exit(code);
};
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  const gatewayPort = Number(process.env.GATEWAY_PORT ?? 4000);
  // GATEWAY_PORT=0: any free ports, the subgraphs' too (tests, or a second platform beside one).
  platform = await startPlatform({ gatewayPort, subgraphPorts: gatewayPort === 0 ? 'any' : 'default', log });
  const url = platform.gateway.url;
  // Seed the demo tenant and its first user through the gateway, like any client.
  const call = async (query: string, bearer: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data?: Record<string, { id: string }>; errors?: { message: string }[] };
  };
  const bootstrap = await platform.token('demo:bootstrap');
  const tenant = await call('mutation { createTenant(input: { name: "Demo Corp" }) { id } }', bootstrap);
  const user = await call(
    'mutation { createUser(input: { email: "analyst@demo.example", name: "Demo Analyst", role: ADMIN }) { id } }',
    bootstrap,
  );
  if (user.errors) log.warn({ errors: user.errors }, 'seeding the demo user failed');
  const token = await platform.token(user.data?.createUser?.id ?? 'demo:analyst');
  platform.useTokenInGraphiQL(token);
  // A new tenant (embedded shards kept in memory, or a fresh EMBEDDED_DATA_DIR) gets sample data;
  // one that already existed keeps what it has.
  if (!tenant.errors && !user.errors) {
    const seeded = await seedDemoData(async (query, variables) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as Awaited<ReturnType<DemoCall>>;
    }).catch((err: unknown) => log.warn({ err }, 'seeding the demo data failed'));
    if (seeded) log.info(seeded, 'demo data seeded');
  }
  const origin = new URL(url).origin;
  process.stdout.write(`
IntelGraph is running.

  GraphQL   ${url}
  GraphiQL  ${origin}/graphiql   (the demo token is in its Headers tab)
  Subgraphs ${platform.subgraphs.map((s) => `${s.name} ${s.running?.url}`).join(', ')}

Demo token (tenant "demo", 12 h):
  ${token}

Example:
  curl -s ${url} -H 'content-type: application/json' \\
    -H 'authorization: Bearer <the token above>' \\
    -d '{"query":"{ me { id name email tenant { name } } }"}'

  Across the three subgraphs (the demo investigation, its entities and who created them):
    ${DEMO_QUERY}

  Live updates (a subscription; in GraphiQL, or any graphql-ws / graphql-sse / Apollo Client):
    subscription { investigationEvents { position type investigation { title } entity { name } } }
  then add an entity to an investigation from another tab (addEntity) and watch it arrive;
  over SSE: curl -N ${url} -H 'accept: text/event-stream' -H 'content-type: application/json' \
    -H 'authorization: Bearer <the token above>' \
    -d '{"query":"subscription { investigationEvents { position type investigation { title } } }"}'

Ctrl-C stops everything.
`);
} catch (error) {
  log.fatal({ err: error }, 'start failed');
  await stopAll(1);
}
