import {
  type Counter,
  counter,
  createMetricsRegistry,
  type Gauge,
  gauge,
  type Registry,
} from '@intelgraph/telemetry';

/**
 * Counters every transport keeps, labelled by transport kind and topic:
 * published (accepted by publish), confirmed (broker confirmed), consumed (handler succeeded),
 * retried, dead-lettered. Consumer lag is a gauge kept by the transports that can know it.
 */
export interface TransportMetrics {
  readonly registry: Registry;
  readonly published: Counter<'transport' | 'topic'>;
  readonly confirmed: Counter<'transport' | 'topic'>;
  readonly consumed: Counter<'transport' | 'topic' | 'group'>;
  readonly retried: Counter<'transport' | 'topic' | 'group'>;
  readonly deadLettered: Counter<'transport' | 'topic' | 'group' | 'reason'>;
}

export function createTransportMetrics(registry?: Registry): TransportMetrics {
  const r = registry ?? createMetricsRegistry({ collectDefaults: false });
  return {
    registry: r,
    published: counter(r, {
      name: 'intelgraph_messages_published_total',
      help: 'Messages handed to publish and sent to the broker',
      labelNames: ['transport', 'topic'],
    }),
    confirmed: counter(r, {
      name: 'intelgraph_messages_confirmed_total',
      help: 'Published messages the broker confirmed as stored',
      labelNames: ['transport', 'topic'],
    }),
    consumed: counter(r, {
      name: 'intelgraph_messages_consumed_total',
      help: 'Deliveries whose handler succeeded (acknowledged)',
      labelNames: ['transport', 'topic', 'group'],
    }),
    retried: counter(r, {
      name: 'intelgraph_messages_retried_total',
      help: 'Deliveries whose handler failed and that were scheduled for a retry',
      labelNames: ['transport', 'topic', 'group'],
    }),
    deadLettered: counter(r, {
      name: 'intelgraph_messages_dead_lettered_total',
      help: 'Messages moved to a dead-letter queue',
      labelNames: ['transport', 'topic', 'group', 'reason'],
    }),
  };
}

/**
 * The consumer-lag gauge of the transports that can know their lag (RabbitMQ samples ready
 * messages, Kafka reports offset lag). One definition, so both register the same metric.
 */
export function consumerLagGauge(registry: Registry): Gauge<'transport' | 'topic' | 'group'> {
  return gauge(registry, {
    name: 'intelgraph_consumer_lag_messages',
    help: 'Messages waiting in a consumer group’s queue (RabbitMQ: ready messages; Kafka: offset lag)',
    labelNames: ['transport', 'topic', 'group'],
  });
}
