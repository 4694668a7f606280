import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@intelgraph/config';
import { createLogger } from '@intelgraph/telemetry';
import { buildGateway } from '../../src/build-gateway.js';
import { configSpec } from '../../src/config.js';
import type { Gateway } from '../../src/gateway-server.js';
import { startVanillaGateway, type VanillaGateway } from './vanilla-gateway.js';

/**
 * The configurations of our gateway the differential test compares with vanilla Apollo Gateway:
 * caching and in-flight dedup each way. The caches are given a default max-age, since without
 * `@cacheControl` hints (the classic subgraphs have none) nothing would be cached at all.
 */
export const OUR_CONFIGURATIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  defaults: {},
  'SUBGRAPH_DEDUP off': { SUBGRAPH_DEDUP: 'false' },
  'CACHE_ENTITIES on': { CACHE_ENTITIES: 'true', CACHE_DEFAULT_MAX_AGE: '60' },
  'CACHE_RESPONSES on': { CACHE_RESPONSES: 'true', CACHE_DEFAULT_MAX_AGE: '60' },
  'both caches on': { CACHE_ENTITIES: 'true', CACHE_RESPONSES: 'true', CACHE_DEFAULT_MAX_AGE: '60' },
  // Apollo Gateway's own executor (GATEWAY_EXECUTOR defaults to ours, issue 21): still compared.
  'GATEWAY_EXECUTOR apollo': { GATEWAY_EXECUTOR: 'apollo' },
};

export interface OurGateway {
  readonly name: string;
  readonly gateway: Gateway;
  readonly url: string;
  /** A cache is on: later rounds (answered from what earlier ones stored) are worth sending. */
  readonly caches: boolean;
}

export interface GatewayTargets extends AsyncDisposable {
  readonly ours: readonly OurGateway[];
  readonly vanilla: VanillaGateway;
  readonly supergraphSdl: string;
  stop(): Promise<void>;
}

/** Writes the supergraph to a scratch file (our gateway loads it like production, from a file). */
export function writeSupergraph(supergraphSdl: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gateway-differential-')), 'supergraph.graphql');
  writeFileSync(path, supergraphSdl);
  return path;
}

/** One of our gateways over the supergraph, configured through its environment variables. */
export async function startOurGateway(
  supergraphSdl: string,
  env: Readonly<Record<string, string>> = {},
): Promise<Gateway> {
  const config = loadConfig(configSpec, {
    LOG_LEVEL: 'silent',
    PORT: '0',
    SUPERGRAPH_PATH: writeSupergraph(supergraphSdl),
    ...env,
  });
  const gateway = await buildGateway(config, {
    log: createLogger({ service: 'gateway', level: config.logLevel }),
  });
  await gateway.start(0, '127.0.0.1');
  return gateway;
}

/**
 * Our gateway in each configuration (`common` added to each: auth, identity secret) and vanilla
 * Apollo Gateway, all over the same supergraph and so the same subgraphs.
 */
export async function startGatewayTargets(
  supergraphSdl: string,
  options: {
    readonly common?: Readonly<Record<string, string>>;
    readonly vanillaForwardHeaders?: readonly string[];
    readonly configurations?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  } = {},
): Promise<GatewayTargets> {
  const ours: OurGateway[] = [];
  let vanilla: VanillaGateway | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all([...ours.map((o) => o.gateway.stop()), vanilla?.stop()]);
  };
  try {
    for (const [name, env] of Object.entries(options.configurations ?? OUR_CONFIGURATIONS)) {
      const gateway = await startOurGateway(supergraphSdl, { ...options.common, ...env });
      const caches = env.CACHE_ENTITIES === 'true' || env.CACHE_RESPONSES === 'true';
      ours.push({ name, gateway, url: gateway.url, caches });
    }
    vanilla = await startVanillaGateway(supergraphSdl, {
      forwardHeaders: options.vanillaForwardHeaders ?? [],
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { ours, vanilla, supergraphSdl, stop, [Symbol.asyncDispose]: stop };
}
