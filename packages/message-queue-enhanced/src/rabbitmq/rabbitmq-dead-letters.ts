import { IntelGraphError } from '@intelgraph/errors';
import type { Channel, GetMessage, RecoveringChannelModel } from 'amqplib';
import { type DeadLetter, priorityFromValue } from '../messages/message.js';
import { H, republishOptions, toDeadLetter } from './rabbitmq-codec.js';
import type { RabbitMQPublisher } from './rabbitmq-publisher.js';
import { type GroupTopology, laneFor } from './rabbitmq-topology.js';

/** Largest number of dead letters one replay or inspect scans. */
const SCAN_LIMIT = 10_000;

/**
 * Reads the dead-letter queue without consuming it: messages are fetched unacknowledged with
 * `basic.get` and given back when the short-lived channel closes (RabbitMQ requeues them at their
 * original position). A replay republishes the chosen ones to the lane of their priority, attempt reset to 1,
 * under a confirm, and only then acknowledges them in the dead-letter queue.
 */
export class RabbitMQDeadLetters {
  constructor(
    private readonly connection: RecoveringChannelModel,
    private readonly publisher: RabbitMQPublisher,
  ) {}

  async list(topology: GroupTopology, group: string, limit: number): Promise<DeadLetter[]> {
    return this.withScan(topology, limit, async (_channel, messages) =>
      messages.map((m) => toDeadLetter(m, group)),
    );
  }

  async inspect(topology: GroupTopology, group: string, id: string): Promise<DeadLetter> {
    const found = await this.withScan(topology, SCAN_LIMIT, async (_channel, messages) =>
      messages.find((m) => m.properties.messageId === id),
    );
    if (!found) throw notFound(id, topology);
    return toDeadLetter(found, group);
  }

  async replay(topology: GroupTopology, ids: readonly string[] | undefined): Promise<number> {
    return this.withScan(topology, SCAN_LIMIT, async (channel, messages) => {
      const wanted = ids ? new Set(ids) : undefined;
      if (wanted) {
        const present = new Set(messages.map((m) => String(m.properties.messageId)));
        for (const id of wanted) if (!present.has(id)) throw notFound(id, topology);
      }
      let replayed = 0;
      for (const message of messages) {
        if (wanted && !wanted.has(String(message.properties.messageId))) continue;
        const options = republishOptions(message, { [H.attempt]: '1' });
        const headers = options.headers as Record<string, unknown>;
        for (const name of [H.reason, H.lastError, H.deadAt, H.group, H.lane]) delete headers[name];
        const lane = laneFor(topology, priorityFromValue(message.properties.priority as number | undefined));
        await this.publisher.publish('', lane.queue, message.content, options);
        channel.ack(message);
        replayed++;
      }
      return replayed;
    });
  }

  private async withScan<T>(
    topology: GroupTopology,
    limit: number,
    use: (channel: Channel, messages: GetMessage[]) => Promise<T>,
  ): Promise<T> {
    const channel = await this.connection.createChannel();
    channel.on('error', () => {});
    try {
      try {
        await channel.checkQueue(topology.deadLetterQueue);
      } catch {
        // 404: never declared, so nothing was ever dead-lettered here.
        return await use(channel, []);
      }
      const messages: GetMessage[] = [];
      while (messages.length < limit) {
        const message = await channel.get(topology.deadLetterQueue, { noAck: false });
        if (message === false) break;
        messages.push(message);
      }
      return await use(channel, messages);
    } finally {
      // Closing gives every unacknowledged message back to the queue.
      await channel.close().catch(() => {});
    }
  }
}

function notFound(id: string, topology: GroupTopology): IntelGraphError {
  return new IntelGraphError(
    'DEAD_LETTER_NOT_FOUND',
    `no dead letter '${id}' in ${topology.deadLetterQueue}`,
    {
      input: id,
      details: { queue: topology.deadLetterQueue },
    },
  );
}
