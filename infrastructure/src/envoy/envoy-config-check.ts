/**
 * Structural checks of an Envoy v3 bootstrap, beside the schema check against Envoy's protos
 * (validate-envoy-config.ts), for what the protos cannot say: every typed_config's type fits the
 * extension name it configures, every cluster a route or filter names exists, and every
 * rate-limit descriptor the routes produce has a limit in the rate-limit service's config.
 */
type Obj = Record<string, unknown>;

/** Extension name → the v3 type its typed_config must be (Envoy's extension registry). */
export const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  'envoy.filters.listener.tls_inspector': 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  'envoy.transport_sockets.tls': 'envoy.extensions.transport_sockets.tls.v3.',
  'envoy.filters.network.http_connection_manager':
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.access_loggers.stdout': 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  'envoy.retry_host_predicates.previous_hosts':
    'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  'envoy.filters.http.jwt_authn': 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
  'envoy.filters.http.local_ratelimit': 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  'envoy.filters.http.ratelimit': 'envoy.extensions.filters.http.ratelimit.v3.RateLimit',
  'envoy.filters.http.router': 'envoy.extensions.filters.http.router.v3.Router',
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions':
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
};

const TYPE_PREFIX = 'type.googleapis.com/';

function walk(node: unknown, visit: (o: Obj, path: string) => void, path = ''): void {
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) walk(n, visit, `${path}[${i}]`);
  } else if (typeof node === 'object' && node !== null) {
    visit(node as Obj, path);
    for (const [k, v] of Object.entries(node)) walk(v, visit, path ? `${path}.${k}` : k);
  }
}

/** Problems with typed configs and cluster references; empty when none. */
export function checkEnvoyBootstrap(bootstrap: Obj): string[] {
  const problems: string[] = [];
  const clusters = new Set(
    (((bootstrap.static_resources as Obj)?.clusters as Obj[]) ?? []).map((c) => c.name as string),
  );
  walk(bootstrap, (o, path) => {
    const typed = o.typed_config as Obj | undefined;
    if (typed && typeof o.name === 'string') {
      const type = String(typed['@type'] ?? '');
      const expected = EXTENSION_TYPES[o.name];
      if (!type.startsWith(TYPE_PREFIX)) problems.push(`${path}: typed_config of ${o.name} has no @type`);
      else if (!expected) problems.push(`${path}: unknown extension ${o.name}`);
      else if (!type.slice(TYPE_PREFIX.length).startsWith(expected)) {
        problems.push(`${path}: ${o.name} configured with ${type}, expected ${expected}`);
      }
    }
    for (const key of ['cluster', 'cluster_name']) {
      const c = o[key];
      if (typeof c === 'string' && !path.endsWith('load_assignment') && !clusters.has(c)) {
        problems.push(`${path}: refers to cluster '${c}', which is not defined`);
      }
    }
  });
  return problems;
}

/** The descriptor keys each route-level rate limit of `bootstrap` produces. */
export function rateLimitDescriptorKeys(bootstrap: Obj): string[][] {
  const keys: string[][] = [];
  walk(bootstrap, (o) => {
    for (const limit of (o.rate_limits as Obj[] | undefined) ?? []) {
      keys.push(
        ((limit.actions as Obj[]) ?? []).map((a) => {
          if (a.remote_address) return 'remote_address';
          const inner = (a.metadata ?? a.request_headers ?? a.generic_key ?? a.header_value_match) as
            | Obj
            | undefined;
          return String(inner?.descriptor_key ?? 'unknown');
        }),
      );
    }
  });
  return keys;
}
