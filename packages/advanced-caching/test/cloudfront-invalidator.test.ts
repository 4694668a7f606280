import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudFrontInvalidator, type CloudFrontInvalidatorOptions } from '../src/cdn/cloudfront/index.js';
import { FakeCloudFront } from './helpers/fake-cloudfront.js';

let cf: FakeCloudFront;
const made: CloudFrontInvalidator[] = [];

beforeEach(async () => {
  cf = new FakeCloudFront();
  await cf.start();
});
afterEach(async () => {
  for (const inv of made.splice(0)) await inv.stop().catch(() => {});
  await cf.stop();
});

function invalidator(options: Partial<CloudFrontInvalidatorOptions> = {}): CloudFrontInvalidator {
  const client = new CloudFrontClient({
    endpoint: cf.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  const inv = new CloudFrontInvalidator({
    distributionId: 'E2TESTDIST',
    client,
    batchWindowMs: 30,
    pollIntervalMs: 20,
    baseDelayMs: 5,
    maxDelayMs: 20,
    ...options,
  });
  made.push(inv);
  return inv;
}

describe('CloudFrontInvalidator against a local CloudFront API', () => {
  it('batches path and tag invalidations from one window into one deduplicated, signed CreateInvalidation', async () => {
    const inv = invalidator();
    await Promise.all([
      inv.invalidatePaths(['/api/users/1', '/api/users/2']),
      inv.invalidatePaths(['/api/users/2', '/static/*']),
      inv.invalidateTags(['users', 'Users', 'entity:456']),
    ]);
    expect(cf.creations).toHaveLength(1);
    const [create] = cf.creations;
    expect(create!.path).toBe('/2020-05-31/distribution/E2TESTDIST/invalidation');
    expect(create!.items.sort()).toEqual(
      ['#entity:456', '#users', '/api/users/1', '/api/users/2', '/static/*'].sort(),
    );
    expect(create!.body).toContain('<Quantity>5</Quantity>');
    expect(create!.callerReference).toMatch(/^[0-9a-f-]{36}$/);
    expect(create!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\//);
    // It first learnt what was in progress (ListInvalidations).
    expect(cf.requests[0]!.method).toBe('GET');
    expect(cf.requests[0]!.path).toMatch(/^\/2020-05-31\/distribution\/E2TESTDIST\/invalidation\?/);
  });

  it('gives each batch a new CallerReference', async () => {
    const inv = invalidator();
    await inv.invalidatePaths(['/a']);
    await inv.invalidatePaths(['/a']);
    expect(cf.creations).toHaveLength(2);
    expect(cf.creations[0]!.callerReference).not.toBe(cf.creations[1]!.callerReference);
  });

  it('retries TooManyInvalidationsInProgress with backoff, then succeeds', async () => {
    cf.refuseNext = 2;
    const inv = invalidator();
    await inv.invalidatePaths(['/retry/me']);
    expect(cf.creations).toHaveLength(3);
    expect(cf.creations.every((r) => r.items.join() === '/retry/me')).toBe(true);
  });

  it('fails with CACHE_CDN_INVALIDATION_FAILED when every attempt is refused', async () => {
    cf.refuseNext = 100;
    const inv = invalidator({ maxAttempts: 3 });
    await expect(inv.invalidatePaths(['/x'])).rejects.toMatchObject({
      code: 'CACHE_CDN_INVALIDATION_FAILED',
      details: { paths: ['/x'], distributionId: 'E2TESTDIST' },
    });
    expect(cf.creations).toHaveLength(3);
  });

  it('never has more than 15 wildcard paths in progress: the rest wait for completions', async () => {
    cf.autoComplete = false;
    const inv = invalidator();
    const wildcards = Array.from({ length: 20 }, (_, i) => `/section-${i}/*`);
    const done = inv.invalidatePaths(wildcards);
    await waitFor(() => inv.inFlight.wildcards === 15);
    expect(cf.creations).toHaveLength(1);
    expect(cf.creations[0]!.items).toHaveLength(15);
    await sleep(100);
    expect(cf.creations).toHaveLength(1); // full: nothing more is sent
    expect(inv.inFlight).toMatchObject({ wildcards: 15 });
    cf.completeAll();
    await done;
    expect(cf.creations).toHaveLength(2);
    expect(cf.creations[1]!.items).toHaveLength(5);
    expect(new Set(cf.creations.flatMap((r) => r.items))).toEqual(new Set(wildcards));
  });

  it('never has more than 3,000 paths in progress, counting invalidations started by others', async () => {
    cf.autoComplete = false;
    cf.addForeign(Array.from({ length: 500 }, (_, i) => `/foreign/${i}`));
    cf.addForeign(['/a/*', '/b/*']);
    const inv = invalidator();
    const paths = Array.from({ length: 3000 }, (_, i) => `/p/${i}`);
    const done = inv.invalidatePaths(paths);
    await waitFor(() => inv.inFlight.paths === 3000);
    expect(cf.creations).toHaveLength(1);
    expect(cf.creations[0]!.items).toHaveLength(2500);
    expect(inv.inFlight).toMatchObject({ paths: 3000, wildcards: 2 });
    cf.completeAll();
    await done;
    expect(cf.creations[1]!.items).toHaveLength(500);
  });

  it('on stop, rejects what cannot be sent within the limits instead of hanging', async () => {
    cf.autoComplete = false;
    cf.addForeign(Array.from({ length: 15 }, (_, i) => `/busy/${i}/*`));
    const inv = invalidator({ batchWindowMs: 10_000 });
    const pending = inv.invalidatePaths(['/more/*']);
    const sent = inv.invalidatePaths(['/plain/file']);
    await inv.stop();
    await expect(pending).rejects.toMatchObject({ code: 'CACHE_CDN_INVALIDATION_FAILED' });
    await sent;
    expect(cf.creations.flatMap((r) => r.items)).toEqual(['/plain/file']);
  });

  it('rejects bad paths and tags before sending anything', async () => {
    const inv = invalidator();
    await expect(inv.invalidatePaths(['no-slash'])).rejects.toMatchObject({ code: 'CACHE_CDN_PATH_INVALID' });
    await expect(inv.invalidatePaths(['/a/*/b'])).rejects.toMatchObject({ code: 'CACHE_CDN_PATH_INVALID' });
    await expect(inv.invalidateTags(['has space'])).rejects.toMatchObject({ code: 'CACHE_TAG_INVALID' });
    await expect(inv.invalidateTags(['t'.repeat(257)])).rejects.toMatchObject({ code: 'CACHE_TAG_INVALID' });
    await inv.flush();
    expect(cf.creations).toHaveLength(0);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}
