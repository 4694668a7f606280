/**
 * intelgraph-dlq — list, inspect and replay a RabbitMQ dead-letter queue.
 *
 *   intelgraph-dlq list    --topic T [--group G] [--limit N]
 *   intelgraph-dlq inspect --topic T [--group G] --id ID
 *   intelgraph-dlq replay  --topic T [--group G] [--id ID ...]
 *
 * Connection: --url or AMQP_URL (default amqp://guest:guest@127.0.0.1:5672); --namespace or
 * AMQP_NAMESPACE (default intelgraph). Output is JSON on stdout; errors go to stderr with exit 1
 * (2 for bad usage).
 */
import { parseArgs } from 'node:util';
import { IntelGraphError } from '@intelgraph/errors';
import { runDlqCommand } from './dlq-command.js';

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      namespace: { type: 'string' },
      topic: { type: 'string' },
      group: { type: 'string' },
      limit: { type: 'string' },
      id: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const result = await runDlqCommand(positionals, values, process.env);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} catch (error) {
  const usage =
    IntelGraphError.is(error, 'CONFIG_INVALID') ||
    String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  const message = IntelGraphError.is(error)
    ? `${error.code}: ${error.message}`
    : String((error as Error).message ?? error);
  process.stderr.write(`intelgraph-dlq: ${message}\n`);
  process.exitCode = usage ? 2 : 1;
}
