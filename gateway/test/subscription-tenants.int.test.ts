import { randomBytes, randomUUID } from 'node:crypto';
import { createRealShards, type RealShards } from '@intelgraph/subgraph-runtime/testing';
import fc from 'fast-check';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Platform, startPlatform } from '../src/dev/platform.js';

/*
 * Tenant isolation of subscriptions under concurrency, through the gateway over the platform's
 * subgraphs on PostgreSQL shards (the harness of subscriptions.int.test.ts): several tenants, two
 * identities each, every tenant's clients subscribed at once to their whole tenant feed
 * (`investigationEvents`) over graphql-ws, GraphQL over SSE and multipart HTTP, while both
 * identities of every tenant write concurrently. Each client must get exactly its own tenant's
 * events — none of another tenant's, none missing, none twice — with each writer's events in the
 * order it made them, the same sequence as every other client of its tenant, and the fields of
 * other subgraphs (the investigation's creator, the entity) of its own tenant.
 */

type Transport = 'graphql-ws' | 'sse' | 'multipart';

interface Update {
  position: string;
  type: string;
  investigation: { id: string; title: string; createdBy: { name: string } };
  entity: { id: string; name: string } | null;
}
interface Result {
  data?: { investigationEvents: Update } | null;
  errors?: unknown[];
}

const EVENTS = `subscription($after: String) {
  investigationEvents(after: $after) {
    position type
    investigation { id title createdBy { name } }
    entity { id name }
  }
}`;

/** A running subscriber: its results as they come, whatever the transport. */
interface Subscriber {
  readonly tenant: string;
  readonly transport: Transport;
  readonly results: Result[];
  /** Set when the transport failed (a closed socket, a broken stream). */
  failure: unknown;
  stop(): void;
}

/** One writer's program: investigations it creates, each with the entities it then adds. */
interface Program {
  readonly investigations: readonly { readonly entities: number }[];
}

describe('subscriptions: concurrent tenants and identities over every transport get exactly their own events', () => {
  let platform: Platform;
  const shards = new Map<string, RealShards>();
  const subscribers: Subscriber[] = [];
  const jwtSecret = randomBytes(32).toString('hex');
  const identitySecret = randomBytes(32).toString('hex');
  const run = randomUUID().slice(0, 6);
  const tenants = ['a', 'b', 'c'].map((t) => `iso${t}${run}`);
  /** Per tenant: two writers (a token and the user's name each). */
  const writers = new Map<string, { token: string; name: string }[]>();

  const gql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  const createInvestigation = async (token: string, title: string): Promise<string> =>
    (
      await gql(token, 'mutation($t: String!) { createInvestigation(input: { title: $t }) { id } }', {
        t: title,
      })
    ).createInvestigation.id;
  const createEntity = async (token: string, name: string): Promise<string> =>
    (
      await gql(token, 'mutation($n: String!) { createEntity(input: { kind: PERSON, name: $n }) { id } }', {
        n: name,
      })
    ).createEntity.id;
  const addEntity = async (token: string, investigationId: string, entityId: string) =>
    gql(token, 'mutation($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { id } }', {
      i: investigationId,
      e: entityId,
    });

  const until = async (check: () => boolean, what: string, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const subscribe = (
    tenant: string,
    token: string,
    transport: Transport,
    after: string | undefined,
  ): Subscriber => {
    const results: Result[] = [];
    const sub: Subscriber = { tenant, transport, results, failure: undefined, stop: () => {} };
    subscribers.push(sub);
    const variables = after === undefined ? {} : { after };
    if (transport === 'graphql-ws') {
      const client = createWsClient({
        url: platform.gateway.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { Authorization: `Bearer ${token}` },
      });
      const dispose = client.subscribe(
        { query: EVENTS, variables },
        {
          next: (r) => void results.push(r as Result),
          error: (e) => {
            sub.failure = e;
          },
          complete: () => {},
        },
      );
      sub.stop = () => {
        dispose();
        void client.dispose();
      };
      return sub;
    }
    const controller = new AbortController();
    sub.stop = () => controller.abort();
    void (async () => {
      const res = await fetch(platform.gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: transport === 'sse' ? 'text/event-stream' : 'multipart/mixed;subscriptionSpec="1.0"',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query: EVENTS, variables }),
        signal: controller.signal,
      });
      if (res.status !== 200) throw new Error(`${transport}: ${res.status} ${await res.text()}`);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      const separator = transport === 'sse' ? '\n\n' : '--graphql';
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const frames = buffer.split(separator);
        buffer = frames.pop()!;
        for (const frame of frames) {
          if (transport === 'sse') {
            const data = frame.split('\n').find((l) => l.startsWith('data: '));
            if (frame.startsWith('event: next') && data) results.push(JSON.parse(data.slice(6)) as Result);
            continue;
          }
          const start = frame.indexOf('{');
          if (start < 0) continue;
          const part = JSON.parse(frame.slice(start)) as { payload?: Result | null; errors?: unknown[] };
          if (part.payload) results.push(part.payload);
          else if (part.errors) results.push({ errors: part.errors });
        }
      }
    })().catch((error: unknown) => {
      if (!controller.signal.aborted) sub.failure = error;
    });
    return sub;
  };

  /**
   * A position in the tenant's event log after which nothing else happened yet: a probe
   * subscriber sees a marker investigation it knows the title of (markers made before it was live
   * are never seen; the last one is). Subscribing `after` it, a client gets every later event
   * whenever its subscription becomes live: replayed, then live.
   */
  const currentPosition = async (tenant: string): Promise<string> => {
    const { token } = writers.get(tenant)![0]!;
    const probe = subscribe(tenant, token, 'graphql-ws', undefined);
    for (let i = 0; ; i++) {
      const title = `marker ${i}`;
      await createInvestigation(token, title);
      const seen = () =>
        probe.results.find((r) => r.data?.investigationEvents.investigation.title === title)?.data
          ?.investigationEvents.position;
      try {
        await until(() => seen() !== undefined, 'the probe', 2000);
      } catch {
        if (i < 30) continue;
        throw new Error(`no probe event for ${tenant}`);
      }
      probe.stop();
      return seen()!;
    }
  };

  beforeAll(async () => {
    for (const name of ['accounts', 'entities', 'investigations'])
      shards.set(name, await createRealShards(`iso${name}`, 2));
    platform = await startPlatform({
      subgraphEnv: (name) =>
        shards.has(name) ? { DATABASE_SHARDS: JSON.stringify(shards.get(name)!.shards) } : {},
      gatewayPort: 0,
      subgraphPorts: 'any',
      tenant: tenants[0],
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        SUBGRAPH_LOG_LEVEL: 'silent',
        ALLOW_ANONYMOUS: 'false',
        JWT_SECRET: jwtSecret,
        IDENTITY_SECRET: identitySecret,
      },
    });
    for (const tenant of tenants) {
      const bootstrap = await platform.token(`${tenant}:bootstrap`, 'read write admin', tenant);
      await gql(bootstrap, 'mutation($n: String!) { createTenant(input: { name: $n }) { id } }', {
        n: tenant,
      });
      const pair: { token: string; name: string }[] = [];
      for (const who of ['first', 'second']) {
        const name = `${who} of ${tenant}`;
        const created = await gql(
          bootstrap,
          'mutation($e: String!, $n: String!) { createUser(input: { email: $e, name: $n, role: ANALYST }) { id } }',
          { e: `${who}@${tenant}.test`, n: name },
        );
        pair.push({ token: await platform.token(created.createUser.id, 'read write', tenant), name });
      }
      writers.set(tenant, pair);
    }
  }, 240_000);

  afterAll(async () => {
    for (const s of subscribers) s.stop();
    await platform?.stop();
    for (const s of shards.values()) await s.drop();
  }, 60_000);

  it('every client gets exactly its tenant’s events, in each writer’s order, while all tenants write at once', async () => {
    // A workload per writer, varied by a logged seed.
    const seed = Date.now() % 2 ** 31;
    const programs = fc.sample(
      fc.array(fc.record({ entities: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 3 }),
      { seed, numRuns: tenants.length * 2 },
    );
    console.info(`tenant-isolation workload seed ${seed}`);

    // Each tenant's clients: each transport, identities alternating; all subscribed at once.
    const starts = new Map(
      await Promise.all(tenants.map(async (t) => [t, await currentPosition(t)] as const)),
    );
    const transports: Transport[] = ['graphql-ws', 'sse', 'multipart', 'graphql-ws', 'sse', 'multipart'];
    const clients = tenants.flatMap((tenant) =>
      transports.map((transport, i) =>
        subscribe(tenant, writers.get(tenant)![i % 2]!.token, transport, starts.get(tenant)!),
      ),
    );

    // Every writer of every tenant at once: its entities first, then its program, in order.
    const expected = new Map<string, { writer: string; keys: string[] }[]>();
    await Promise.all(
      tenants.flatMap((tenant, t) =>
        writers.get(tenant)!.map(async (writer, w) => {
          const program: Program = { investigations: programs[t * 2 + w]! };
          const keys: string[] = [];
          const entities: string[][] = [];
          for (const [i, inv] of program.investigations.entries()) {
            const ids: string[] = [];
            for (let e = 0; e < inv.entities; e++)
              ids.push(await createEntity(writer.token, `${writer.name} e${i}.${e}`));
            entities.push(ids);
          }
          for (const [i, ids] of entities.entries()) {
            const id = await createInvestigation(writer.token, `${writer.name} #${i}`);
            keys.push(`INVESTIGATION_CREATED ${id}`);
            for (const e of ids) {
              await addEntity(writer.token, id, e);
              keys.push(`ENTITY_ADDED ${id} ${e}`);
            }
          }
          const list = expected.get(tenant) ?? [];
          list.push({ writer: writer.name, keys });
          expected.set(tenant, list);
        }),
      ),
    );
    // An end marker per tenant, made after every write of it: seeing it, a client has seen all.
    const ends = new Map(
      await Promise.all(
        tenants.map(async (t) => [t, await createInvestigation(writers.get(t)![0]!.token, 'end')] as const),
      ),
    );
    const keyOf = (u: Update) => `${u.type} ${u.investigation.id}${u.entity ? ` ${u.entity.id}` : ''}`;
    const sawEnd = (c: Subscriber) =>
      c.results.some((r) => r.data?.investigationEvents.investigation.id === ends.get(c.tenant));
    await until(
      () => clients.every((c) => sawEnd(c) || c.failure !== undefined),
      'every client’s end marker',
    );

    const sequences = new Map<string, string[]>();
    for (const client of clients) {
      const label = `${client.tenant} over ${client.transport}`;
      expect(client.failure, label).toBeUndefined();
      expect(
        client.results.filter((r) => r.errors),
        label,
      ).toEqual([]);
      const updates = client.results.map((r) => r.data!.investigationEvents);
      // Its own tenant only: every id embeds the tenant; the creators are the tenant's users.
      for (const u of updates) {
        expect(u.investigation.id.startsWith(`${client.tenant}:`), label).toBe(true);
        if (u.entity) expect(u.entity.id.startsWith(`${client.tenant}:`), label).toBe(true);
        expect(
          writers.get(client.tenant)!.map((w) => w.name),
          label,
        ).toContain(u.investigation.createdBy.name);
      }
      // Nothing missing, nothing twice, nothing else: the writers' events and the end marker.
      const keys = updates.map(keyOf);
      const own = expected.get(client.tenant)!;
      expect(keys.at(-1), label).toBe(`INVESTIGATION_CREATED ${ends.get(client.tenant)}`);
      expect([...keys.slice(0, -1)].sort(), label).toEqual(own.flatMap((w) => w.keys).sort());
      expect(new Set(updates.map((u) => u.position)).size, label).toBe(updates.length);
      // Each writer's events in the order it made them.
      for (const w of own)
        expect(
          keys.filter((k) => w.keys.includes(k)),
          `${label}, ${w.writer}`,
        ).toEqual(w.keys);
      // Fields of the other subgraphs, as written.
      for (const u of updates.filter((x) => x.entity))
        expect(u.entity!.name.startsWith(u.investigation.createdBy.name), label).toBe(true);
      // The same sequence as every other client of the tenant, whatever its transport and identity.
      const positions = updates.map((u) => `${u.position} ${keyOf(u)}`);
      const first = sequences.get(client.tenant);
      if (first) expect(positions, label).toEqual(first);
      else sequences.set(client.tenant, positions);
    }
  }, 180_000);
});
