import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkEnvoyBootstrap, rateLimitDescriptorKeys } from '../src/envoy/envoy-config-check.js';
import { INFRA_DIR } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: Envoy's bootstrap is free-form YAML here
type Any = any;

const envoy: Any = parse(readFileSync(path.join(INFRA_DIR, 'envoy/envoy.yaml'), 'utf8'), {
  uniqueKeys: true,
});
const ratelimit: Any = parse(readFileSync(path.join(INFRA_DIR, 'envoy/ratelimit-config.yaml'), 'utf8'));
const listener = (name: string) => envoy.static_resources.listeners.find((l: Any) => l.name === name);
const hcm = (name: string) =>
  listener(name).filter_chains[0].filters.find(
    (f: Any) => f.name === 'envoy.filters.network.http_connection_manager',
  ).typed_config;
const routes = () => hcm('https').route_config.virtual_hosts[0].routes as Any[];
const cluster = (name: string) => envoy.static_resources.clusters.find((c: Any) => c.name === name);

describe('edge Envoy configuration', () => {
  it('types every extension with its v3 type and defines every cluster it names', () => {
    expect(checkEnvoyBootstrap(envoy)).toEqual([]);
  });

  it('the structural check catches a wrong type and a missing cluster', () => {
    const broken = structuredClone(envoy);
    broken.static_resources.listeners[0].listener_filters[0].typed_config['@type'] =
      'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
    broken.static_resources.clusters = broken.static_resources.clusters.filter(
      (c: Any) => c.name !== 'ratelimit',
    );
    const problems = checkEnvoyBootstrap(broken).join('\n');
    expect(problems).toMatch(/tls_inspector configured with .*Router/);
    expect(problems).toMatch(/refers to cluster 'ratelimit', which is not defined/);
  });

  it('terminates TLS 1.2+ with mounted certificates and redirects plain HTTP', () => {
    const tls = listener('https').filter_chains[0].transport_socket.typed_config;
    expect(tls['@type']).toMatch(/DownstreamTlsContext$/);
    expect(tls.common_tls_context.tls_params.tls_minimum_protocol_version).toBe('TLSv1_2');
    expect(tls.common_tls_context.tls_certificates[0].private_key.filename).toMatch(/^\/etc\/envoy\/tls\//);
    expect(hcm('http').route_config.virtual_hosts[0].routes[0].redirect.https_redirect).toBe(true);
  });

  it('rate-limits per client and per IP, each descriptor with a limit in the rate-limit service', () => {
    expect(hcm('https').http_filters.map((f: Any) => f.name)).toEqual([
      'envoy.filters.http.jwt_authn',
      'envoy.filters.http.local_ratelimit',
      'envoy.filters.http.ratelimit',
      'envoy.filters.http.router',
    ]);
    const rl = hcm('https').http_filters.find(
      (f: Any) => f.name === 'envoy.filters.http.ratelimit',
    ).typed_config;
    expect(rl.domain).toBe(ratelimit.domain);
    const limited = new Set(ratelimit.descriptors.map((d: Any) => d.key));
    const produced = rateLimitDescriptorKeys(envoy);
    expect(produced).toEqual([['client_id'], ['remote_address']]);
    for (const keys of produced) for (const k of keys) expect(limited.has(k), k).toBe(true);
    // The client id is the verified token's subject, so a client cannot pick its own bucket.
    const action = hcm('https').route_config.virtual_hosts[0].rate_limits[0].actions[0].metadata;
    expect(action.metadata_key.key).toBe('envoy.filters.http.jwt_authn');
    expect(action.metadata_key.path.map((p: Any) => p.key)).toEqual(['jwt_payload', 'sub']);
  });

  it('hedges only reads (GET) and never retries a POST that may have reached the upstream', () => {
    const get = routes().find((r) => r.name === 'graphql-get');
    const post = routes().find((r) => r.name === 'graphql-post');
    expect(get.match.headers[0]).toEqual({ name: ':method', string_match: { exact: 'GET' } });
    expect(get.route.hedge_policy.hedge_on_per_try_timeout).toBe(true);
    expect(get.route.retry_policy.per_try_timeout).toBeDefined();
    expect(post.route.hedge_policy).toBeUndefined();
    expect(post.route.retry_policy.retry_on.split(',')).toEqual([
      'connect-failure',
      'refused-stream',
      'reset-before-request',
    ]);
    // The GET route comes first, or every GET would match the POST route's prefix.
    expect(routes().indexOf(get)).toBeLessThan(routes().indexOf(post));
  });

  it('health-checks the upstream actively and ejects outliers', () => {
    const up = cluster('intelgraph_ingress');
    expect(up.health_checks[0].http_health_check.path).toBe('/health');
    expect(up.health_checks[0].unhealthy_threshold).toBeGreaterThan(1);
    expect(up.outlier_detection.consecutive_5xx).toBeGreaterThan(0);
    expect(up.lb_policy).toBe('LEAST_REQUEST');
  });
});
