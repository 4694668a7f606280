import { randomBytes } from 'node:crypto';
import { RabbitMQQueue } from '@intelgraph/message-queue-enhanced';
import { openKafkaLog, serviceUrls, withDatabase } from '@intelgraph/test-support';
import pg from 'pg';

/*
 * Events through the outbox, accounted per transport: what the subgraphs' event stores appended
 * (their outbox rows, read from each chaos database) against what reached Kafka and RabbitMQ, as
 * observers outside the platform see it — Kafka's log read with an independent client
 * (test-support openKafkaLog), RabbitMQ through a consumer group of our own declared before any
 * event is published (a group's queue keeps what arrives while nobody reads). Reported per chaos
 * scenario: appended, delivered, lost (appended, never delivered once the relays drained) and
 * duplicates (deliveries beyond the first: the relay is at-least-once, so they are allowed and
 * counted; consumers deduplicate on the event id).
 */

/**
 * The topics the platform publishes (one KafkaTopic each in kubernetes/base/data): the aggregate
 * topics, and `cache-invalidation`, where every event that invalidates cache tags also goes
 * (`INVALIDATION_TOPIC` of @intelgraph/advanced-caching).
 */
export const EVENT_TOPICS = [
  'entity',
  'investigation',
  'relationship',
  'user',
  'tenant',
  'cache-invalidation',
] as const;

/** One outbox row: an event on one topic. */
export interface AppendedEvent {
  readonly id: string;
  readonly topic: string;
  readonly sent: boolean;
}

export interface TransportAccount {
  readonly transport: 'kafka' | 'rabbitmq';
  /** Outbox rows (one per event and topic) this transport was audited for. */
  readonly appended: number;
  /** Rows on topics this observer could not follow (RabbitMQ: topics not subscribed at start). */
  readonly unaudited: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  /** A few lost event ids, for the report. */
  readonly lostIds: readonly string[];
}

/** How deliveries are counted: an event id on a topic (one event may go to several topics). */
export const deliveryKey = (topic: string, id: string): string => `${topic}\u0000${id}`;

/**
 * Appended vs seen (deliveryKey → times delivered), for one transport; rows on topics outside
 * `audited` (when given) are counted as unaudited.
 */
export function account(
  transport: TransportAccount['transport'],
  rows: readonly AppendedEvent[],
  seen: ReadonlyMap<string, number>,
  audited?: ReadonlySet<string>,
): TransportAccount {
  let delivered = 0;
  let duplicates = 0;
  const lost: string[] = [];
  const appended = audited ? rows.filter((e) => audited.has(e.topic)) : rows;
  for (const e of appended) {
    const n = seen.get(deliveryKey(e.topic, e.id)) ?? 0;
    if (n === 0) lost.push(e.id);
    else {
      delivered++;
      duplicates += n - 1;
    }
  }
  return {
    transport,
    appended: appended.length,
    unaudited: rows.length - appended.length,
    delivered,
    lost: lost.length,
    duplicates,
    lostIds: lost.slice(0, 5),
  };
}

export interface EventAudit {
  /** Every event the chaos databases' outboxes hold, and whether the relay marked it sent. */
  appended(): Promise<AppendedEvent[]>;
  /** Waits until every outbox row is sent (or `timeoutMs`), then a little for in-flight deliveries. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Deliveries per transport of the events in `events`. */
  accounts(events: readonly AppendedEvent[]): Promise<TransportAccount[]>;
  stop(): Promise<void>;
}

/** Starts the RabbitMQ observer before the platform publishes; `databases` are the chaos databases. */
export async function startEventAudit(databases: readonly string[]): Promise<EventAudit> {
  const urls = serviceUrls();
  const group = `chaos-audit-${randomBytes(3).toString('hex')}`;
  const rabbitSeen = new Map<string, number>();
  const rabbit = new RabbitMQQueue({
    url: urls.amqp,
    namespace: 'intelgraph',
    defaultGroup: group,
    declareGroupsOnPublish: [],
  });
  for (const topic of EVENT_TOPICS) {
    const count = (id: string) =>
      rabbitSeen.set(deliveryKey(topic, id), (rabbitSeen.get(deliveryKey(topic, id)) ?? 0) + 1);
    await rabbit.subscribe(topic, (m) => void count(m.id), {
      prefetch: 100,
    });
  }
  const clients = databases.map((db) => new pg.Client({ connectionString: withDatabase(urls.postgres, db) }));
  for (const c of clients) await c.connect();

  const outboxSchemas = async (c: pg.Client): Promise<string[]> =>
    (
      await c.query<{ s: string }>(
        "SELECT table_schema AS s FROM information_schema.tables WHERE table_name = 'outbox' ORDER BY 1",
      )
    ).rows.map((r) => r.s);

  const appended = async (): Promise<AppendedEvent[]> => {
    const out: AppendedEvent[] = [];
    for (const c of clients) {
      for (const s of await outboxSchemas(c)) {
        const { rows } = await c.query<{ id: string; topic: string; sent: boolean }>(
          `SELECT event_id::text AS id, topic, sent_at IS NOT NULL AS sent FROM "${s}".outbox ORDER BY id, topic`,
        );
        out.push(...rows);
      }
    }
    return out;
  };

  return {
    appended,
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let unsent = (await appended()).filter((e) => !e.sent).length;
      while (unsent > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        unsent = (await appended()).filter((e) => !e.sent).length;
      }
      // A confirmed publish may still be on its way to our consumer.
      await new Promise((r) => setTimeout(r, 1500));
      return unsent === 0;
    },
    async accounts(events) {
      const kafkaSeen = new Map<string, number>();
      const wanted = new Set(events.map((e) => deliveryKey(e.topic, e.id)));
      const log = await openKafkaLog(urls.kafkaBrokers);
      try {
        const existing = new Set(await log.topicNames());
        for (const topic of new Set(events.map((e) => e.topic))) {
          if (!existing.has(topic)) continue;
          for (const r of await log.records(topic)) {
            const key = deliveryKey(topic, r.headers['x-ig-id'] ?? '');
            if (wanted.has(key)) kafkaSeen.set(key, (kafkaSeen.get(key) ?? 0) + 1);
          }
        }
      } finally {
        await log.close();
      }
      return [
        account('kafka', events, kafkaSeen),
        account('rabbitmq', events, rabbitSeen, new Set(EVENT_TOPICS)),
      ];
    },
    async stop() {
      await rabbit.close();
      await rabbit.deleteDeclaredTopology({ keepExchange: true }).catch(() => {});
      for (const c of clients) await c.end().catch(() => {});
    },
  };
}
