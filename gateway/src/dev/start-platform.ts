/**
 * `pnpm start` (scripts/dev/start.ts): the platform on embedded defaults (see platform.ts), a
 * seeded demo tenant, then the URL, a demo token and an example query. Ctrl-C (SIGINT) or SIGTERM
 * drains and stops everything. The gateway port is GATEWAY_PORT (default 4000).
 */
import { createLogger } from '@intelgraph/telemetry';
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
  platform = await startPlatform({ gatewayPort: Number(process.env.GATEWAY_PORT ?? 4000), log });
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
  await call('mutation { createTenant(input: { name: "Demo Corp" }) { id } }', bootstrap);
  const user = await call(
    'mutation { createUser(input: { email: "analyst@demo.example", name: "Demo Analyst", role: ADMIN }) { id } }',
    bootstrap,
  );
  if (user.errors) log.warn({ errors: user.errors }, 'seeding the demo user failed');
  const token = await platform.token(user.data?.createUser?.id ?? 'demo:analyst');
  const origin = new URL(url).origin;
  process.stdout.write(`
IntelGraph is running.

  GraphQL   ${url}
  GraphiQL  ${origin}/graphiql   (Headers tab: {"Authorization": "Bearer <token>"})
  Subgraphs ${platform.subgraphs.map((s) => `${s.name} ${s.running?.url}`).join(', ')}

Demo token (tenant "demo", 12 h):
  ${token}

Example:
  curl -s ${url} -H 'content-type: application/json' \\
    -H 'authorization: Bearer <the token above>' \\
    -d '{"query":"{ me { id name email tenant { name } } }"}'

Ctrl-C stops everything.
`);
} catch (error) {
  log.fatal({ err: error }, 'start failed');
  await stopAll(1);
}
