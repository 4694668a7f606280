import type { IncomingMessage, ServerResponse } from 'node:http';
import { IntelGraphError } from '@intelgraph/errors';
import type { GatewayPlugin } from '../plugin.js';

export interface CorsOptions {
  /**
   * Origins allowed to call from a browser: exact (`https://app.example.com`), a port wildcard
   * (`http://localhost:*`), a subdomain wildcard (`https://*.example.com`), or `*` for any origin.
   * Empty (the default): no origin is granted, preflights are still answered.
   */
  readonly origins?: readonly string[];
  /** `Access-Control-Allow-Credentials: true` (default false); refused together with `*`. */
  readonly credentials?: boolean;
  /** Request headers a page may send (default: what GraphQL clients send). */
  readonly allowHeaders?: readonly string[];
  /** Response headers a page may read (default: request id, rate limits, auth challenge). */
  readonly exposeHeaders?: readonly string[];
  /** How long (s) a browser may cache a preflight (default 600; Chromium caps at 7200). */
  readonly maxAgeSeconds?: number;
}

export const CORS_DEFAULTS = {
  allowHeaders: [
    'authorization',
    'content-type',
    'accept',
    'apollo-require-preflight',
    'x-apollo-operation-name',
    'apollographql-client-name',
    'apollographql-client-version',
    'x-request-id',
    'traceparent',
    'tracestate',
  ],
  exposeHeaders: [
    'x-request-id',
    'retry-after',
    'ratelimit',
    'ratelimit-policy',
    'ratelimit-limit',
    'ratelimit-remaining',
    'ratelimit-reset',
    'www-authenticate',
  ],
  maxAgeSeconds: 600,
} as const;

const ALLOWED_METHODS = 'GET, POST, OPTIONS';

/** One allowed origin as a matcher; the config spec has already checked its shape. */
function originMatcher(pattern: string): (origin: string) => boolean {
  const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = /^(https?:\/\/)(\*\.)?([^:]+|\[[^\]]+\])(?::(\d+|\*))?$/.exec(pattern);
  if (!m) return (origin) => origin === pattern;
  const [, scheme, anySubdomain, host, port] = m;
  const source =
    `^${escapeRegExp(scheme!)}${anySubdomain ? '(?:[a-z0-9-]+\\.)+' : ''}${escapeRegExp(host!.toLowerCase())}` +
    `${port === '*' ? '(?::\\d{1,5})?' : port ? `:${port}` : ''}$`;
  const re = new RegExp(source);
  return (origin) => re.test(origin.toLowerCase());
}

/**
 * CORS, so a web app on another origin can call the gateway: answers preflights (`OPTIONS`, 204
 * with the methods and the headers GraphQL clients send) and marks responses to allowed origins
 * with `Access-Control-Allow-Origin` and the headers a page may read (`x-request-id` …). An origin
 * not allowed gets no CORS header at all, so the browser refuses the response; the request itself
 * is served as any other (CORS protects browsers' users, it is not authentication). Runs before
 * routing, so refusals carry the headers too and a page can read their code.
 */
export function useCors(options: CorsOptions = {}): GatewayPlugin {
  const origins = options.origins ?? [];
  const any = origins.includes('*');
  const credentials = options.credentials ?? false;
  if (any && credentials) {
    throw new IntelGraphError(
      'CONFIG_INVALID',
      'CORS_CREDENTIALS=true cannot be combined with CORS_ORIGINS=*: list the origins that may send credentials',
      { input: origins, details: { field: 'CORS_CREDENTIALS' } },
    );
  }
  const matchers = origins.filter((o) => o !== '*').map(originMatcher);
  const allowHeaders = (options.allowHeaders ?? CORS_DEFAULTS.allowHeaders).join(', ');
  const exposeHeaders = (options.exposeHeaders ?? CORS_DEFAULTS.exposeHeaders).join(', ');
  const maxAge = String(options.maxAgeSeconds ?? CORS_DEFAULTS.maxAgeSeconds);

  /** The Access-Control-Allow-Origin value for this request's origin, if it is allowed. */
  const allowOrigin = (origin: string | undefined): string | undefined => {
    if (origin === undefined) return undefined;
    // With credentials the origin is echoed (a browser refuses `*` there); otherwise `*` is enough.
    if (any) return '*';
    return matchers.some((m) => m(origin)) ? origin : undefined;
  };

  return {
    name: 'cors',
    onHttpRequest(req: IncomingMessage, res: ServerResponse): boolean {
      const origin = req.headers.origin;
      const allowed = allowOrigin(origin);
      // The answer depends on Origin unless every origin gets `*`: caches must key on it.
      if (!any) res.setHeader('vary', 'Origin');
      if (allowed !== undefined) {
        res.setHeader('access-control-allow-origin', allowed);
        if (credentials) res.setHeader('access-control-allow-credentials', 'true');
      }
      if (req.method !== 'OPTIONS') {
        if (allowed !== undefined) res.setHeader('access-control-expose-headers', exposeHeaders);
        return false;
      }
      req.resume();
      if (allowed !== undefined && req.headers['access-control-request-method'] !== undefined) {
        res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
        res.setHeader('access-control-allow-headers', allowHeaders);
        res.setHeader('access-control-max-age', maxAge);
        if (!any)
          res.setHeader('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
      }
      res.writeHead(204, { allow: ALLOWED_METHODS, 'content-length': 0 });
      res.end();
      return true;
    },
  };
}
