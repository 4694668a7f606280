import { randomBytes, randomUUID } from 'node:crypto';
import { loadConfig } from '@intelgraph/config';
import { createRealShards, type RealShards } from '@intelgraph/subgraph-runtime/testing';
import { createLogger } from '@intelgraph/telemetry';
import { createClient as createSseClient } from 'graphql-sse';
import { type Client, createClient as createWsClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildGateway } from '../src/build-gateway.js';
import { configSpec } from '../src/config.js';
import { type Platform, startPlatform } from '../src/dev/platform.js';
import type { Gateway } from '../src/gateway-server.js';

/*
 * Subscriptions end to end: the platform's subgraphs on PostgreSQL shards (with replicas), two
 * gateway instances; mutations through one, subscribers on the other over each client protocol,
 * with fields from other subgraphs than the one owning the subscription.
 */

interface Update {
  position: string;
  type: string;
  investigation: { id: string; title: string; createdBy: { name: string } };
  entity: { id: string; name: string } | null;
}

const UPDATED = `subscription($id: ID!, $after: String) {
  investigationUpdated(id: $id, after: $after) {
    position type
    investigation { id title createdBy { name } }
    entity { id name }
  }
}`;

describe('subscriptions through the gateway (PostgreSQL shards, two gateway instances)', () => {
  let platform: Platform;
  let second: Gateway;
  let token: string;
  const shards = new Map<string, RealShards>();
  const clients: Client[] = [];
  const jwtSecret = randomBytes(32).toString('hex');
  const identitySecret = randomBytes(32).toString('hex');
  const tenant = `sub${randomUUID().slice(0, 6)}`;

  const gql = async (query: string, variables: Record<string, unknown> = {}, bearer = token) => {
    const res = await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query, variables }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    return { status: res.status, body: (await res.json()) as any };
  };
  const wsClient = (bearer: string | null = token) => {
    const client = createWsClient({
      url: second.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      ...(bearer ? { connectionParams: { Authorization: `Bearer ${bearer}` } } : {}),
    });
    clients.push(client);
    return client;
  };
  const createEntity = async (name: string) => {
    const r = await gql('mutation($n: String!) { createEntity(input: { kind: PERSON, name: $n }) { id } }', {
      n: name,
    });
    expect(r.body.errors).toBeUndefined();
    return r.body.data.createEntity.id as string;
  };
  const createInvestigation = async (title: string) => {
    const r = await gql('mutation($t: String!) { createInvestigation(input: { title: $t }) { id } }', {
      t: title,
    });
    expect(r.body.errors).toBeUndefined();
    return r.body.data.createInvestigation.id as string;
  };
  const addEntity = async (investigationId: string, entityId: string) => {
    const r = await gql(
      'mutation($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { id } }',
      {
        i: investigationId,
        e: entityId,
      },
    );
    expect(r.body.errors).toBeUndefined();
  };
  /** Collects a graphql-ws subscription's results. */
  const wsSubscribe = (client: Client, variables: Record<string, unknown>, query = UPDATED) => {
    const results: Array<{
      data?: { investigationUpdated: Update };
      errors?: unknown[];
      extensions?: Record<string, unknown>;
    }> = [];
    let fail: (e: unknown) => void = () => {};
    const ended = new Promise<void>((resolve, reject) => {
      fail = reject;
      const dispose = client.subscribe<{ investigationUpdated: Update }>(
        { query, variables },
        { next: (r) => void results.push(r as never), error: reject, complete: resolve },
      );
      stops.push(dispose);
    });
    ended.catch(() => {});
    void fail;
    return { results, ended };
  };
  const stops: Array<() => void> = [];
  const until = async (check: () => boolean, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  beforeAll(async () => {
    for (const name of ['accounts', 'entities', 'investigations'])
      shards.set(name, await createRealShards(`sub${name}`, 2));
    const env = {
      ...process.env,
      LOG_LEVEL: 'silent',
      SUBGRAPH_LOG_LEVEL: 'silent',
      ALLOW_ANONYMOUS: 'false',
      JWT_SECRET: jwtSecret,
      IDENTITY_SECRET: identitySecret,
    };
    platform = await startPlatform({
      subgraphEnv: (name) =>
        shards.has(name) ? { DATABASE_SHARDS: JSON.stringify(shards.get(name)!.shards) } : {},
      gatewayPort: 0,
      subgraphPorts: 'any',
      tenant,
      env,
    });
    // A second gateway instance over the same subgraphs: subscribers here, writes through the first.
    const config = loadConfig(configSpec, {
      ...env,
      PORT: '0',
      SUBSCRIPTION_MAX_PER_CONNECTION: '3',
      MAX_DEPTH: '8',
      SUBGRAPHS: platform.subgraphs.map((s) => `${s.name}=${s.running!.url}`).join(','),
    });
    second = await buildGateway(config, { log: createLogger({ service: 'gateway-2', level: 'silent' }) });
    await second.start(0);
    const bootstrap = await platform.token(`${tenant}:bootstrap`, 'read write admin', tenant);
    await gql('mutation { createTenant(input: { name: "Subs Corp" }) { id } }', {}, bootstrap);
    const user = await gql(
      'mutation { createUser(input: { email: "s@x.test", name: "Sam", role: ADMIN }) { id } }',
      {},
      bootstrap,
    );
    token = await platform.token(user.body.data.createUser.id, 'read write admin', tenant);
  }, 240_000);
  afterAll(async () => {
    for (const stop of stops) stop();
    await Promise.all(clients.map((c) => c.dispose()));
    await second?.stop();
    await platform?.stop();
    for (const s of shards.values()) await s.drop();
  }, 60_000);

  it('graphql-ws: a mutation on one instance reaches a subscriber on another, with fields of other subgraphs', async () => {
    const investigation = await createInvestigation('Operation Ada');
    const entity = await createEntity('Charles Babbage');
    const sub = wsSubscribe(wsClient(), { id: investigation });
    await new Promise((r) => setTimeout(r, 1500));
    await addEntity(investigation, entity);
    const added = () => sub.results.filter((r) => r.data?.investigationUpdated.type === 'ENTITY_ADDED');
    await until(() => added().length >= 1);
    const update = added()[0]!.data!.investigationUpdated;
    expect(update).toMatchObject({
      type: 'ENTITY_ADDED',
      investigation: { id: investigation, title: 'Operation Ada', createdBy: { name: 'Sam' } },
      entity: { id: entity, name: 'Charles Babbage' },
    });
    expect(added()[0]!.extensions?.position).toBe(update.position);
  });

  it('graphql-ws: reconnecting with the last position replays what was missed exactly once, then live', async () => {
    const investigation = await createInvestigation('Operation Hopper');
    const first = wsSubscribe(wsClient(), { id: investigation });
    await new Promise((r) => setTimeout(r, 1500));
    const e0 = await createEntity('e0');
    await addEntity(investigation, e0);
    // A live subscription may also get an event committed just before it (the store's visibility
    // horizon is conservative): the position to resume from is e0's.
    const e0Update = () => first.results.find((r) => r.data?.investigationUpdated.entity?.name === 'e0');
    await until(() => e0Update() !== undefined);
    const position = e0Update()!.data!.investigationUpdated.position;
    stops.at(-1)!();
    const missed = [await createEntity('m1'), await createEntity('m2')];
    for (const e of missed) await addEntity(investigation, e);
    const resumed = wsSubscribe(wsClient(), { id: investigation, after: position });
    await until(() => resumed.results.length >= 2);
    const live = await createEntity('live');
    await addEntity(investigation, live);
    await until(() => resumed.results.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(resumed.results.map((r) => r.data!.investigationUpdated.entity!.name)).toEqual([
      'm1',
      'm2',
      'live',
    ]);
  });

  it('graphql-sse (distinct connections): the same update over SSE, then complete', async () => {
    const investigation = await createInvestigation('Operation Lovelace');
    const entity = await createEntity('Ada');
    const client = createSseClient({
      url: second.url,
      singleConnection: false,
      headers: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const results: Array<{ data?: { investigationUpdated: Update } }> = [];
    let dispose = () => {};
    const done = new Promise<void>((resolve, reject) => {
      dispose = client.subscribe<{ investigationUpdated: Update }>(
        { query: UPDATED, variables: { id: investigation } },
        { next: (r) => void results.push(r as never), error: reject, complete: resolve },
      );
    });
    await new Promise((r) => setTimeout(r, 1500));
    await addEntity(investigation, entity);
    await until(() => results.some((r) => r.data?.investigationUpdated.type === 'ENTITY_ADDED'));
    expect(
      results.find((r) => r.data?.investigationUpdated.type === 'ENTITY_ADDED')!.data!.investigationUpdated,
    ).toMatchObject({
      type: 'ENTITY_ADDED',
      entity: { name: 'Ada' },
      investigation: { createdBy: { name: 'Sam' } },
    });
    dispose();
    await Promise.race([done, new Promise((r) => setTimeout(r, 500))]);
    client.dispose();
  });

  /**
   * Subscribes to an investigation over multipart HTTP with `accept`, adds an entity once the
   * subscription is open, and reads the stream until the update arrives: its content type and text.
   */
  const multipartUpdate = async (accept: string, title: string, name: string) => {
    const investigation = await createInvestigation(title);
    const entity = await createEntity(name);
    const controller = new AbortController();
    const res = await fetch(second.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: UPDATED, variables: { id: investigation } }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    await new Promise((r) => setTimeout(r, 1500));
    await addEntity(investigation, entity);
    const decoder = new TextDecoder();
    while (!text.includes('"ENTITY_ADDED"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    controller.abort();
    return { type: res.headers.get('content-type')!, text };
  };

  it('multipart HTTP (Apollo Client’s protocol): the update as a {"payload": …} part', async () => {
    const { type, text } = await multipartUpdate(
      'multipart/mixed;subscriptionSpec="1.0",application/json',
      'Operation Turing',
      'Alan',
    );
    expect(type).toContain('multipart/mixed');
    expect(type).toContain('subscriptionSpec="1.0"');
    const part = text.split('--graphql').find((p) => p.includes('"ENTITY_ADDED"'))!;
    const json = JSON.parse(part.slice(part.indexOf('{')));
    expect(json.payload.data.investigationUpdated).toMatchObject({
      type: 'ENTITY_ADDED',
      entity: { name: 'Alan' },
    });
  });

  it('multipart HTTP without subscriptionSpec (incremental delivery: GraphiQL, meros, Yoga clients): each part one plain result', async () => {
    const { type, text } = await multipartUpdate(
      'application/json, multipart/mixed',
      'Operation Lovelace',
      'Ada',
    );
    expect(type).toContain('multipart/mixed');
    expect(type).not.toContain('subscriptionSpec');
    const boundary = `--${/boundary="?([^";]+)"?/.exec(type)![1]}`;
    const parts = text
      .split(boundary)
      .map((p) => p.trim())
      .filter((p) => p.includes('{'))
      .map((p) => JSON.parse(p.slice(p.indexOf('{'))));
    // Every part is an execution result as the client shows it: no {"payload"} wrapper, no {} heartbeat.
    for (const part of parts)
      expect(Object.keys(part).some((k) => k === 'data' || k === 'errors')).toBe(true);
    expect(parts.at(-1).data.investigationUpdated).toMatchObject({
      type: 'ENTITY_ADDED',
      entity: { name: 'Ada' },
    });
  });

  it('refuses what the specs say: no token (4403), a query over WebSocket, a subscription over plain HTTP', async () => {
    const anonymous = wsSubscribe(wsClient(null), { id: `${tenant}:${randomUUID()}` });
    await expect(anonymous.ended).rejects.toMatchObject({ code: 4403 });
    // The subgraph refuses another tenant's id: one result with the coded error, then complete.
    const foreign = wsSubscribe(wsClient(), { id: `other:${randomUUID()}` });
    await foreign.ended;
    expect(foreign.results[0]?.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    const query = wsSubscribe(wsClient(), {}, '{ __typename }');
    await expect(query.ended).rejects.toMatchObject([{ extensions: { code: 'SUBSCRIPTION_NOT_SUPPORTED' } }]);
    const plain = await gql(UPDATED, { id: `${tenant}:${randomUUID()}` });
    expect(plain.status).toBe(400);
    expect(plain.body.errors[0].extensions.code).toBe('SUBSCRIPTION_NOT_SUPPORTED');
  });

  it('graphql-ws protocol errors get the spec’s close codes (subscribe before connection_ack: 4401; bad message: 4400)', async () => {
    const closeOf = (send: (ws: WebSocket) => void) =>
      new Promise<{ code: number }>((resolve) => {
        const ws = new WebSocket(second.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
        ws.on('open', () => send(ws));
        ws.on('close', (code) => resolve({ code }));
      });
    expect(
      await closeOf((ws) =>
        ws.send(
          JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { __typename }' } }),
        ),
      ),
    ).toEqual({ code: 4401 });
    expect(await closeOf((ws) => ws.send('{"type":"nonsense"}'))).toEqual({ code: 4400 });
  });

  it('limits subscriptions per connection (SUBSCRIPTION_LIMIT_EXCEEDED) and applies the operation limits', async () => {
    const investigation = await createInvestigation('Operation Limits');
    const client = wsClient();
    const subs = [0, 1, 2].map(() => wsSubscribe(client, { id: investigation }));
    await new Promise((r) => setTimeout(r, 1000));
    const fourth = wsSubscribe(client, { id: investigation });
    await expect(fourth.ended).rejects.toMatchObject([
      { extensions: { code: 'SUBSCRIPTION_LIMIT_EXCEEDED' } },
    ]);
    void subs;
    const deep = wsSubscribe(
      wsClient(),
      { id: investigation },
      `subscription($id: ID!) { investigationUpdated(id: $id) { investigation { entities { investigations { entities { investigations { entities { investigations { entities { id } } } } } } } } } }`,
    );
    await expect(deep.ended).rejects.toMatchObject([{ extensions: { code: 'QUERY_TOO_DEEP' } }]);
  });

  it('ends a subscription when its token expires: WebSocket close 4401 TOKEN_EXPIRED', async () => {
    const investigation = await createInvestigation('Operation Expiry');
    const me = await gql('{ me { id } }');
    const shortLived = await new SignJWT({ tenant, scope: 'read write admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(me.body.data.me.id)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 3)
      .sign(new TextEncoder().encode(jwtSecret));
    const sub = wsSubscribe(wsClient(shortLived), { id: investigation });
    await expect(sub.ended).rejects.toMatchObject({ code: 4401, reason: 'TOKEN_EXPIRED' });
  }, 20_000);

  it('drains on stop: open subscriptions end with 1012 (reconnect elsewhere)', async () => {
    const investigation = await createInvestigation('Operation Drain');
    const sub = wsSubscribe(wsClient(), { id: investigation });
    await new Promise((r) => setTimeout(r, 1000));
    await second.stop();
    await expect(sub.ended).rejects.toMatchObject({ code: 1012 });
  });

  it('a subgraph instance going away (stopped: 1012) ends its subscriptions with SUBSCRIPTION_UPSTREAM_CLOSED', async () => {
    const investigation = await createInvestigation('Operation Outage');
    const client = createWsClient({
      url: platform.gateway.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { Authorization: `Bearer ${token}` },
    });
    clients.push(client);
    const sub = wsSubscribe(client, { id: investigation });
    await new Promise((r) => setTimeout(r, 1000));
    await platform.subgraphs.find((s) => s.name === 'investigations')!.running!.stop();
    await expect(sub.ended).rejects.toMatchObject([{ extensions: { code: 'SUBSCRIPTION_UPSTREAM_CLOSED' } }]);
  });
});
