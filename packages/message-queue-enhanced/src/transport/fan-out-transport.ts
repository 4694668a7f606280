import type { DeadLetter, MessageHandler, OutgoingMessage } from '../messages/message.js';
import type {
  DeadLetterQuery,
  DeadLetterReplay,
  SubscribeOptions,
  Subscription,
  Transport,
} from './transport.js';

/**
 * Publishes every message to each of several transports: the outbox relay's target when a service
 * has both Kafka (the replayable event log) and RabbitMQ (work queues). `publish` resolves once
 * every transport confirmed; if any failed it rejects with the first failure after all settled,
 * so the relay retries the row and the transports that had accepted it get a duplicate (at least
 * once, as always: consumers deduplicate by id). Consuming — `subscribe`, dead letters — goes to
 * the first transport, the primary.
 */
export class FanOutTransport implements Transport {
  readonly kind: string;
  readonly #transports: readonly [Transport, ...Transport[]];

  constructor(transports: readonly [Transport, ...Transport[]]) {
    this.#transports = transports;
    this.kind = transports.map((t) => t.kind).join('+');
  }

  async publish(topic: string, message: OutgoingMessage): Promise<void> {
    const settled = await Promise.allSettled(this.#transports.map((t) => t.publish(topic, message)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  subscribe(topic: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription> {
    return this.#transports[0].subscribe(topic, handler, options);
  }

  listDeadLetters(topic: string, options?: DeadLetterQuery): Promise<DeadLetter[]> {
    return this.#transports[0].listDeadLetters(topic, options);
  }

  replayDeadLetters(topic: string, options?: DeadLetterReplay): Promise<number> {
    return this.#transports[0].replayDeadLetters(topic, options);
  }

  async close(): Promise<void> {
    const settled = await Promise.allSettled(this.#transports.map((t) => t.close()));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
