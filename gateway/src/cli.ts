import { parseArgs } from 'node:util';
import { formatConfigTable } from '@intelgraph/config';
import { configSpec } from './config.js';
import { main } from './main.js';

const USAGE = `intelgraph-gateway — a federation gateway for any Apollo Federation 2 supergraph

Usage: intelgraph-gateway --supergraph FILE [--port N] [--host H]
       intelgraph-gateway --subgraphs name=url,… [--port N] [--host H]

Every setting can also be given through the environment (flags win):

`;

/** Maps flags onto the environment variables of the config spec, then runs the gateway. */
export async function cli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      supergraph: { type: 'string', short: 's' },
      subgraphs: { type: 'string' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}${formatConfigTable(configSpec)}\n`);
    return;
  }
  await main({
    ...env,
    ...(values.supergraph !== undefined ? { SUPERGRAPH_PATH: values.supergraph } : {}),
    ...(values.subgraphs !== undefined ? { SUBGRAPHS: values.subgraphs } : {}),
    ...(values.port !== undefined ? { PORT: values.port } : {}),
    ...(values.host !== undefined ? { HOST: values.host } : {}),
  });
}

try {
  await cli(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`intelgraph-gateway: ${(error as Error).message}\n\n${USAGE.split('\n\n')[1]}\n`);
  process.exit(64);
}
