/**
 * Child process: our gateway (`buildGateway` from its config, as `main.ts` does), with
 * caching off (it has none yet) and logs quiet; argv[2] is the supergraph file. Extra settings
 * come from the environment (e.g. SUBGRAPH_DEDUP=false).
 */
import { loadConfig } from '@intelgraph/config';
import { buildGateway, configSpec } from '@intelgraph/gateway';
import { createLogger } from '@intelgraph/telemetry';

const config = loadConfig(configSpec, {
  LOG_LEVEL: 'warn',
  GRAPHIQL: 'false',
  ...process.env,
  SUPERGRAPH_PATH: process.argv[2],
  PORT: '0',
});
const gateway = await buildGateway(config, {
  log: createLogger({ service: 'gateway', level: config.logLevel }),
});
await gateway.start(0, '127.0.0.1');
process.on('message', (message: { type: string }) => {
  if (message.type === 'usage') {
    const cpu = process.cpuUsage();
    process.send?.({ type: 'usage', rss: process.memoryUsage().rss, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  // Exit (not just stop) so a --cpu-prof profile is written.
  if (message.type === 'stop') void gateway.stop().then(() => process.exit(0));
});
process.send?.({ type: 'ready', url: gateway.url });
