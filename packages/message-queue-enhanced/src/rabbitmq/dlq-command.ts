import { configInvalid } from '../transport/transport-options.js';
import { RabbitMQQueue } from './rabbitmq-queue.js';

export const DLQ_USAGE = `usage:
  intelgraph-dlq list    --topic T [--group G] [--limit N]
  intelgraph-dlq inspect --topic T [--group G] --id ID
  intelgraph-dlq replay  --topic T [--group G] [--id ID ...]
options: --url (or AMQP_URL), --namespace (or AMQP_NAMESPACE)`;

export interface DlqArgs {
  readonly url?: string;
  readonly namespace?: string;
  readonly topic?: string;
  readonly group?: string;
  readonly limit?: string;
  readonly id?: string[];
  readonly help?: boolean;
}

/** The `intelgraph-dlq` command as a function (the bin file only parses argv and prints). */
export async function runDlqCommand(
  positionals: readonly string[],
  args: DlqArgs,
  env: Readonly<Record<string, string | undefined>>,
): Promise<unknown> {
  const command = positionals[0];
  if (args.help || !command) return { usage: DLQ_USAGE };
  if (!['list', 'inspect', 'replay'].includes(command))
    throw configInvalid('command', command, 'list, inspect or replay');
  if (!args.topic) throw configInvalid('--topic', args.topic, 'a topic name');
  const queue = new RabbitMQQueue({
    url: args.url ?? env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    namespace: args.namespace ?? env.AMQP_NAMESPACE ?? 'intelgraph',
    publishTimeoutMs: 10_000,
    lagIntervalMs: 0,
  });
  try {
    const group = args.group;
    if (command === 'list') {
      const limit = args.limit === undefined ? 100 : Number(args.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw configInvalid('--limit', args.limit, 'a positive integer');
      const letters = await queue.listDeadLetters(args.topic, { group, limit });
      return letters.map((l) => ({
        id: l.message.id,
        type: l.message.type,
        key: l.message.key,
        attempts: l.message.attempt,
        reason: l.reason,
        lastError: l.lastError,
        deadLetteredAt: new Date(l.deadLetteredAt).toISOString(),
      }));
    }
    if (command === 'inspect') {
      const id = args.id?.[0];
      if (!id) throw configInvalid('--id', id, 'a message id');
      return await queue.inspectDeadLetter(args.topic, id, { group });
    }
    const replayed = await queue.replayDeadLetters(args.topic, { group, ids: args.id });
    return { replayed };
  } finally {
    await queue.close();
  }
}
