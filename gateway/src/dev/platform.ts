import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '@intelgraph/config';
import { InProcessTransport } from '@intelgraph/message-queue-enhanced';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from '@intelgraph/subgraph-runtime';
import { createLogger, type Logger } from '@intelgraph/telemetry';
import { SignJWT } from 'jose';
import { buildGateway } from '../build-gateway.js';
import { configSpec as gatewaySpec } from '../config.js';
import type { Gateway } from '../gateway-server.js';
import { subgraphEntry } from '../schema/subgraph-entry.js';

/*
 * The development platform: every subgraph of subgraphs/ (embedded defaults unless the
 * environment points at real services) and the gateway composing them, in one process. Used by
 * `pnpm start` and by the end-to-end tests. The gateway proper never imports a subgraph: this
 * developer tool loads them from the repository at run time.
 */

type AnyDefinition = SubgraphDefinition<never>;
const isDefinition = (v: unknown): v is AnyDefinition =>
  typeof v === 'object' && v !== null && 'name' in v && 'typeDefs' in v && 'setup' in v;

export interface PlatformOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Gateway port (default 4000; 0 for any). */
  readonly gatewayPort?: number;
  /** Subgraph ports: their defaults (4001…) unless `0` (any free port). */
  readonly subgraphPorts?: 'default' | 'any';
  readonly log?: Logger;
  readonly tenant?: string;
  /** Extra environment for one subgraph (e.g. its own DATABASE_SHARDS). */
  readonly subgraphEnv?: (name: string) => Readonly<Record<string, string | undefined>>;
}

export interface PlatformSubgraph {
  readonly name: string;
  readonly definition: AnyDefinition;
  readonly config: Parameters<typeof startSubgraph>[1];
  running: RunningSubgraph | undefined;
}

export interface Platform {
  readonly gateway: Gateway;
  readonly subgraphs: readonly PlatformSubgraph[];
  readonly identitySecret: string;
  /** A bearer token for `tenant` signed with the gateway's JWT secret. */
  token(sub: string, scope?: string, tenant?: string): Promise<string>;
  /** Pre-fills GraphiQL's headers editor with this token (`Authorization: Bearer …`). */
  useTokenInGraphiQL(token: string): void;
  stop(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const env = options.env ?? process.env;
  const root = join(import.meta.dirname, '..', '..', '..');
  const log = options.log ?? createLogger({ service: 'platform', level: env.LOG_LEVEL ?? 'info' });
  const identitySecret = env.IDENTITY_SECRET ?? randomBytes(32).toString('hex');
  const jwtSecret = env.JWT_SECRET ?? randomBytes(32).toString('hex');
  const tenant = options.tenant ?? 'demo';
  const subgraphs: PlatformSubgraph[] = [];
  let gateway: Gateway | undefined;
  let graphiqlHeaders: Record<string, string> | undefined;
  // Without a broker, one in-process bus for the whole platform: the subgraphs' domain events
  // reach the gateway's cache invalidation (with CACHE_RESPONSES / CACHE_ENTITIES on) as they
  // would over RabbitMQ or Kafka. Nobody subscribed: a publish is dropped (pure fan-out).
  const events =
    env.KAFKA_BROKERS || env.AMQP_URL
      ? undefined
      : new InProcessTransport({ defaultGroup: 'platform', declareGroupsOnPublish: [] });
  const stop = async (): Promise<void> => {
    await gateway?.stop().catch((err: unknown) => log.error({ err }, 'gateway stop failed'));
    for (const s of [...subgraphs].reverse())
      await s.running?.stop().catch((err: unknown) => log.error({ err }, 'subgraph stop failed'));
    await events?.close().catch((err: unknown) => log.error({ err }, 'event bus close failed'));
  };
  try {
    for (const folder of readdirSync(join(root, 'subgraphs')).sort()) {
      const entry = subgraphEntry(root, folder);
      if (folder.startsWith('_') || !existsSync(entry)) continue;
      const mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
      const definition = Object.values(mod).find(isDefinition);
      const spec = mod.configSpec as Parameters<typeof loadConfig>[0] | undefined;
      if (!definition || !spec) continue;
      log.info({ subgraph: definition.name }, 'starting subgraph');
      const config = loadConfig(spec, {
        ...env,
        IDENTITY_SECRET: identitySecret,
        PORT: options.subgraphPorts === 'any' ? '0' : undefined,
        LOG_LEVEL: env.SUBGRAPH_LOG_LEVEL ?? 'warn',
        ...options.subgraphEnv?.(definition.name),
      }) as unknown as Parameters<typeof startSubgraph>[1];
      subgraphs.push({
        name: definition.name,
        definition,
        config,
        running: await startSubgraph(definition, config, events ? { transport: events } : {}),
      });
    }
    if (subgraphs.length === 0) throw new Error('no subgraph found under subgraphs/');
    const config = loadConfig(gatewaySpec, {
      ...env,
      PORT: String(options.gatewayPort ?? 4000),
      SUBGRAPHS: subgraphs.map((s) => `${s.name}=${s.running!.url}`).join(','),
      SUPERGRAPH_PATH: undefined,
      IDENTITY_SECRET: identitySecret,
      JWT_SECRET: jwtSecret,
      ALLOW_ANONYMOUS: env.ALLOW_ANONYMOUS ?? 'true',
      ANONYMOUS_TENANT: tenant,
      // A development platform: GraphiQL's Docs panel and IDEs need the schema, whatever NODE_ENV
      // is, and a web app under development (any localhost port) may call it.
      INTROSPECTION: env.INTROSPECTION ?? 'true',
      CORS_ORIGINS: env.CORS_ORIGINS ?? 'http://localhost:*,http://127.0.0.1:*,http://[::1]:*',
    });
    gateway = await buildGateway(config, {
      log: createLogger({ service: 'gateway', level: config.logLevel }),
      graphiqlHeaders: () => graphiqlHeaders,
      ...(events ? { cacheEvents: events } : {}),
    });
    await gateway.start(config.port, config.host);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    gateway,
    subgraphs,
    identitySecret,
    token: (sub, scope = 'read write admin', t = tenant) =>
      new SignJWT({ tenant: t, scope })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime('12h')
        .sign(new TextEncoder().encode(jwtSecret)),
    useTokenInGraphiQL: (token) => {
      graphiqlHeaders = { Authorization: `Bearer ${token}` };
    },
    stop,
  };
}
