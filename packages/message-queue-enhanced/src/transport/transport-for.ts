import { IntelGraphError } from '@intelgraph/errors';
import type { Registry } from '@intelgraph/telemetry';
import { InProcessTransport } from '../in-process/in-process-transport.js';
import { KafkaEventStream } from '../kafka/kafka-event-stream.js';
import { RabbitMQQueue } from '../rabbitmq/rabbitmq-queue.js';
import { FanOutTransport } from './fan-out-transport.js';
import type { Transport } from './transport.js';

/** Where a service's domain events travel (each service's config: `KAFKA_BROKERS`, `AMQP_URL`, …). */
export interface EventBrokersConfig {
  /** Kafka brokers: `host:port` list, or the variable's comma-separated text. */
  readonly kafkaBrokers?: string | readonly string[] | undefined;
  readonly amqpUrl?: string | undefined;
}

interface RoleOptions {
  /** The service (Kafka client id `intelgraph-<service>`). */
  readonly service: string;
  /** The transport's default consumer group. */
  readonly group: string;
  readonly metrics?: Registry;
}

/**
 * A publisher (a subgraph's outbox relays): publishes only, so a publish declares no group —
 * retaining every event for a group nobody consumes would grow a queue (or, in process, memory)
 * without bound. Both brokers set: every event goes to both (`FanOutTransport`). Neither: the
 * in-process transport.
 */
export interface PublisherRole extends RoleOptions {
  readonly role: 'publisher';
}

/**
 * A consumer (the gateway's cache invalidation): undefined when no broker is set (nothing to
 * consume). Both set is refused: publishers with both send every event to both, so it would be
 * handled twice. `fields` names the variables in that error.
 */
export interface ConsumerRole extends RoleOptions {
  readonly role: 'consumer';
  /**
   * Kafka: a new group starts at the beginning of the log (true) or at its end (false, for a
   * consumer to which old events mean nothing, such as cache invalidation: replaying them would
   * purge fresh entries). Default true.
   */
  readonly fromBeginning?: boolean;
  readonly fields?: { readonly kafkaBrokers: string; readonly amqpUrl: string };
}

function brokerList(value: EventBrokersConfig['kafkaBrokers']): string[] {
  const list = typeof value === 'string' ? value.split(',') : [...(value ?? [])];
  return list.map((b) => b.trim()).filter(Boolean);
}

/**
 * The one place a service's event transport is chosen from its configuration: Kafka with
 * brokers, RabbitMQ with a URL, for publishers and consumers alike (so both sides of a topic
 * agree on the client settings: namespace, client id, metrics).
 */
export function transportFor(config: EventBrokersConfig, role: PublisherRole): Transport;
export function transportFor(config: EventBrokersConfig, role: ConsumerRole): Transport | undefined;
export function transportFor(
  config: EventBrokersConfig,
  role: PublisherRole | ConsumerRole,
): Transport | undefined {
  const brokers = brokerList(config.kafkaBrokers);
  const amqpUrl = config.amqpUrl || undefined;
  const metrics = role.metrics ? { metrics: role.metrics } : {};
  const publisher = role.role === 'publisher';
  if (!publisher && brokers.length > 0 && amqpUrl) {
    const fields = role.fields ?? { kafkaBrokers: 'kafkaBrokers', amqpUrl: 'amqpUrl' };
    throw new IntelGraphError(
      'CONFIG_INVALID',
      `Set ${fields.kafkaBrokers} or ${fields.amqpUrl}, not both: each event would be handled twice`,
      { details: { field: fields.kafkaBrokers } },
    );
  }
  const kafka =
    brokers.length > 0
      ? new KafkaEventStream({
          clientId: `intelgraph-${role.service}`,
          brokers,
          defaultGroup: role.group,
          ...(publisher ? {} : { fromBeginning: role.fromBeginning ?? true }),
          ...metrics,
        })
      : undefined;
  const rabbit = amqpUrl
    ? new RabbitMQQueue({
        url: amqpUrl,
        namespace: 'intelgraph',
        defaultGroup: role.group,
        declareGroupsOnPublish: publisher ? [] : [role.group],
        ...metrics,
      })
    : undefined;
  if (kafka && rabbit) return new FanOutTransport([kafka, rabbit]);
  const broker = kafka ?? rabbit;
  if (broker || !publisher) return broker;
  return new InProcessTransport({ defaultGroup: role.group, declareGroupsOnPublish: [], ...metrics });
}
