import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IntelGraphError } from '@intelgraph/errors';
import { sendError } from '../http/send.js';
import type { GatewayPlugin } from '../plugin.js';
import type { CachingMetrics } from './cache-metrics.js';
import type { CdnTagPurger } from './use-cache-invalidation-events.js';

const TAG = /^[\x21-\x2b\x2d-\x7e]{1,256}$/;

export interface CacheAdminOptions {
  /** Bearer token the caller must present. */
  readonly token: string;
  /** Invalidates cache tags (entity cache and response cache, every instance). */
  readonly invalidate: (tags: readonly string[]) => Promise<void>;
  readonly cdn?: CdnTagPurger;
  readonly metrics?: CachingMetrics;
  /** Route path (default `/admin/cache/invalidate`). */
  readonly path?: string;
}

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * `GET /admin/cache/invalidate?tag=Entity&entity=Entity:42` with `Authorization: Bearer <token>`:
 * invalidates the given tags and entities (`Type:id`, the same vocabulary as the tags) in the
 * entity and response caches on every instance, and on the CDN. GET because the gateway's routes
 * are GET-only; the token is required and the answer is `no-store`. Answers
 * `{ invalidated: [tags] }`.
 */
export function useCacheAdmin(options: CacheAdminOptions): GatewayPlugin {
  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const headers = new Map([['cache-control', 'no-store']]);
    if (!authorized(req, options.token)) {
      sendError(
        res,
        new IntelGraphError('UNAUTHENTICATED', 'The cache admin endpoint needs its bearer token'),
        headers,
      );
      return;
    }
    const tags = [...url.searchParams.getAll('tag'), ...url.searchParams.getAll('entity')];
    const bad = tags.find((t) => !TAG.test(t));
    if (tags.length === 0 || bad !== undefined) {
      sendError(
        res,
        new IntelGraphError(
          'CACHE_INVALIDATION_INVALID',
          'Give tag= or entity= (Type:id), ASCII 33–126 without commas, ≤ 256 chars',
          {
            input: bad ?? url.search,
          },
        ),
        headers,
      );
      return;
    }
    const unique = [...new Set(tags)];
    await options.invalidate(unique);
    options.metrics?.invalidations.inc({ source: 'admin', target: 'cache' }, unique.length);
    if (options.cdn) {
      await options.cdn.invalidateTags(unique);
      options.metrics?.invalidations.inc({ source: 'admin', target: 'cdn' }, unique.length);
    }
    const body = JSON.stringify({ invalidated: unique });
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };
  return { name: 'cache-admin', routes: { [options.path ?? '/admin/cache/invalidate']: route } };
}
