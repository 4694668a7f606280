import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkEnvoyBootstrap, rateLimitDescriptorKeys } from '../src/envoy/envoy-config-check.js';
import { loadEnvoyProtos } from '../src/envoy/envoy-protos.js';
import { validateEnvoyMessage } from '../src/envoy/validate-envoy-config.js';
import { renderKustomization } from '../src/kustomize/render-kustomization.js';
import { INFRA_DIR, OVERLAYS, overlayDir } from './paths.js';

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

const ENVOY_FILE = 'infrastructure/envoy/envoy.yaml';
const protos = loadEnvoyProtos();
/** Problems of a bootstrap against Envoy's v3 protos, each `<file>: <pointer> <message>`. */
const protoProblems = (bootstrap: unknown) =>
  validateEnvoyMessage(protos, 'envoy.config.bootstrap.v3.Bootstrap', bootstrap).map(
    (p) => `${ENVOY_FILE}: ${p}`,
  );

describe("edge Envoy configuration against Envoy's v3 protos", () => {
  it('is a valid envoy.config.bootstrap.v3.Bootstrap, every typed_config included', () => {
    expect(protoProblems(envoy)).toEqual([]);
  });

  const hcmAt = '/static_resources/listeners/0/filter_chains/0/filters/0/typed_config';
  it.each([
    [
      'a bad duration',
      (b: Any) => {
        b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.request_timeout = '30sec';
      },
      `${hcmAt}/request_timeout must be a duration string like "1.5s" (google.protobuf.Duration), not "30sec"`,
    ],
    [
      'a duration given as a number',
      (b: Any) => {
        b.static_resources.clusters[0].connect_timeout = 1;
      },
      '/static_resources/clusters/0/connect_timeout must be a duration string like "1.5s" (google.protobuf.Duration), not 1',
    ],
    [
      'an unknown field inside a typed_config',
      (b: Any) => {
        b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[3].route.retry_policy.num_retriez = 2;
      },
      `${hcmAt}/route_config/virtual_hosts/0/routes/3/route/retry_policy unknown field 'num_retriez' (envoy.config.route.v3.RetryPolicy)`,
    ],
    [
      'a wrong type in a nested Any (the JWT filter)',
      (b: Any) => {
        b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.providers.intelgraph.forward =
          'yes';
      },
      `${hcmAt}/http_filters/0/typed_config/providers/intelgraph/forward must be a boolean`,
    ],
    [
      'a bad enum',
      (b: Any) => {
        b.static_resources.clusters[0].lb_policy = 'FASTEST';
      },
      '/static_resources/clusters/0/lb_policy must be one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, LOAD_BALANCING_POLICY_CONFIG',
    ],
    [
      'an @type no Envoy message has',
      (b: Any) => {
        b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[3].typed_config[
          '@type'
        ] = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr';
      },
      `${hcmAt}/http_filters/3/typed_config/@type names envoy.extensions.filters.http.router.v3.Routr, which is no message of Envoy's API`,
    ],
    [
      'two fields of one oneof',
      (b: Any) => {
        b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].match.prefix =
          '/';
      },
      `${hcmAt}/route_config/virtual_hosts/0/routes/0/match sets path and prefix, of which only one may be set (oneof path_specifier)`,
    ],
  ])('fails on %s, naming the file and the path', (_kind, breakIt, expected) => {
    const broken = structuredClone(envoy);
    breakIt(broken);
    expect(protoProblems(broken)).toEqual([`${ENVOY_FILE}: ${expected}`]);
  });
});

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
    // Subscriptions before both: no route timeout, no retries, WebSocket upgrades enabled.
    for (const name of ['graphql-subscriptions', 'graphql-streams']) {
      const streaming = routes().find((r) => r.name === name);
      expect(routes().indexOf(streaming)).toBeLessThan(routes().indexOf(get));
      expect(streaming.route.timeout).toBe('0s');
      expect(streaming.route.retry_policy).toBeUndefined();
    }
    expect(hcm('https').upgrade_configs).toEqual([{ upgrade_type: 'websocket' }]);
  });

  it('health-checks the upstream actively and ejects outliers', () => {
    const up = cluster('intelgraph_ingress');
    expect(up.health_checks[0].http_health_check.path).toBe('/health');
    expect(up.health_checks[0].unhealthy_threshold).toBeGreaterThan(1);
    expect(up.outlier_detection.consecutive_5xx).toBeGreaterThan(0);
    expect(up.lb_policy).toBe('LEAST_REQUEST');
  });
});

describe.each(OVERLAYS)('the edge deployed (overlay %s)', (overlay) => {
  const rs = renderKustomization(overlayDir(overlay)) as Any[];
  const edge = rs.filter((r) => r.metadata.namespace === 'intelgraph-edge');
  const get = (kind: string, name: string): Any => {
    const r = edge.find((x) => x.kind === kind && x.metadata.name === name);
    if (!r) throw new Error(`no ${kind} ${name} in intelgraph-edge`);
    return r;
  };
  const address = (clusterName: string) =>
    cluster(clusterName).load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;

  it('runs Envoy with this configuration, its TLS secret, a LoadBalancer Service on its listeners, an HPA and a PDB', () => {
    const d = get('Deployment', 'envoy');
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    const configMount = c.volumeMounts.find((m: Any) => m.name === 'config').mountPath;
    expect(c.args.slice(0, 2)).toEqual(['--config-path', `${configMount}/envoy.yaml`]);
    const cm = get('ConfigMap', pod.volumes.find((v: Any) => v.name === 'config').configMap.name);
    expect(parse(cm.data['envoy.yaml'])).toEqual(envoy);
    const tlsDir = path.dirname(
      listener('https').filter_chains[0].transport_socket.typed_config.common_tls_context.tls_certificates[0]
        .certificate_chain.filename,
    );
    expect(c.volumeMounts.find((m: Any) => m.name === 'tls').mountPath).toBe(tlsDir);
    expect(pod.volumes.find((v: Any) => v.name === 'tls').secret.secretName).toBe('intelgraph-edge-tls');
    const listenerPorts = envoy.static_resources.listeners
      .map((l: Any) => l.address.socket_address.port_value)
      .sort();
    expect(c.ports.map((p: Any) => p.containerPort).sort()).toEqual(listenerPorts);
    const svc = get('Service', 'envoy');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports.map((p: Any) => [p.port, p.targetPort])).toEqual([
      [443, 'https'],
      [80, 'http'],
    ]);
    expect(get('HorizontalPodAutoscaler', 'envoy').spec.scaleTargetRef.name).toBe('envoy');
    expect(get('PodDisruptionBudget', 'envoy').spec.selector.matchLabels).toEqual({ app: 'envoy' });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('runs the rate-limit service where Envoy calls it, with these limits, and its Redis', () => {
    const rl = address('ratelimit');
    const [svcName, ns] = rl.address.split('.');
    expect(ns).toBe('intelgraph-edge');
    const svc = get('Service', svcName);
    expect(svc.spec.ports.find((p: Any) => p.port === rl.port_value)?.appProtocol).toBe('grpc');
    const d = get('Deployment', 'ratelimit');
    const c = d.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e.value]));
    expect(Number(env.GRPC_PORT)).toBe(
      c.ports.find((p: Any) => p.name === svc.spec.ports[0].targetPort).containerPort,
    );
    // envoyproxy/ratelimit reads <RUNTIME_ROOT>/<RUNTIME_SUBDIRECTORY>/config/*.yaml.
    const mount = c.volumeMounts.find((m: Any) => m.name === 'config').mountPath;
    expect(mount).toBe(`${env.RUNTIME_ROOT}/${env.RUNTIME_SUBDIRECTORY}/config`);
    const cm = get(
      'ConfigMap',
      d.spec.template.spec.volumes.find((v: Any) => v.name === 'config').configMap.name,
    );
    expect(parse(cm.data['config.yaml'])).toEqual(ratelimit);
    const [redisHost, redisPort] = env.REDIS_URL.split(':');
    const redis = get('Service', redisHost);
    expect(redis.spec.ports[0].port).toBe(Number(redisPort));
    expect(get('Deployment', redis.spec.selector.app).spec.template.spec.containers[0].image).toMatch(
      /^redis:/,
    );
    expect(get('PodDisruptionBudget', 'ratelimit').spec.minAvailable).toBeGreaterThanOrEqual(1);
  });

  it('sends the traffic to the Istio ingress gateway, which routes the API host to the gateway', () => {
    const ingress = address('intelgraph_ingress');
    expect(ingress.address).toBe('istio-ingressgateway.istio-system.svc.cluster.local');
    const gw = rs.find((r) => r.kind === 'Gateway' && r.metadata.name === 'intelgraph');
    expect(gw.spec.selector).toEqual({ istio: 'ingressgateway' });
    const vs = rs.find((r) => r.kind === 'VirtualService' && r.metadata.name === 'gateway');
    expect(vs.spec.http[0].route[0].destination.host).toMatch(/^gateway\./);
  });
});
