import { Writable } from 'node:stream';
import { createLogger } from '@intelgraph/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlJs } from '../src/graphql-js.js';
import {
  FEDERATION_LINK,
  type ScriptedSubgraph,
  startGatewayOver,
  startScriptedSubgraph,
} from './fixtures/scripted-subgraph.js';

/*
 * In production a subgraph's error reaches the client with its message only when the subgraph
 * marked it client-safe (a catalogue code, or one of CLIENT_SAFE_ERROR_CODES); stack traces,
 * `exception` and unknown errors become SUBGRAPH_ERROR with the request id, the original is logged.
 */

const { GraphQLError } = graphqlJs;
const LEAK = 'connect ECONNREFUSED db-primary.internal:5432: password authentication failed for user "app"';
const STACK = ['Error: boom', '    at Pool.connect (/srv/app/node_modules/pg/lib/pool.js:45:11)'];

const SDL = `${FEDERATION_LINK}
  type Query { ok: String leak: String crash: String missing: String custom: String }`;

let subgraph: ScriptedSubgraph;
beforeAll(async () => {
  subgraph = await startScriptedSubgraph('store', SDL, {
    Query: {
      ok: () => 'fine',
      // An internal error with the details a careless server sends along.
      leak: () => {
        throw new GraphQLError(LEAK, {
          extensions: { code: 'INTERNAL_SERVER_ERROR', exception: { stacktrace: STACK }, stacktrace: STACK },
        });
      },
      // No code at all.
      crash: () => {
        throw new Error('TypeError: cannot read properties of undefined (reading "rows")');
      },
      // A client-safe catalogue code: its message is meant for the client, but not its stack.
      missing: () => {
        throw new GraphQLError('Order 7 not found', {
          extensions: { code: 'NOT_FOUND', exception: { stacktrace: STACK } },
        });
      },
      custom: () => {
        throw new GraphQLError('Out of stock', { extensions: { code: 'OUT_OF_STOCK' } });
      },
    },
  });
});
afterAll(() => subgraph?.stop());

function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, log: createLogger({ service: 'gateway', level: 'info', destination }) };
}

const QUERY = '{ ok leak crash missing custom }';
const byPath = (errors: { path: string[] }[]) => Object.fromEntries(errors.map((e) => [e.path[0], e]));

describe('error masking in production (NODE_ENV=production)', () => {
  it('masks internal subgraph errors as SUBGRAPH_ERROR with the request id, keeps client-safe ones, logs the originals', async () => {
    const logged = captureLog();
    await using gw = await startGatewayOver(
      [subgraph],
      { NODE_ENV: 'production', CLIENT_SAFE_ERROR_CODES: 'OUT_OF_STOCK' },
      { log: logged.log },
    );
    const res = await gw.post({ query: QUERY }, { 'x-request-id': 'req-mask-1' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ ok: 'fine', leak: null, crash: null, missing: null, custom: null });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('db-primary');
    expect(text).not.toContain('password');
    expect(text).not.toContain('pool.js');
    expect(text).not.toContain('rows');
    expect(text).not.toContain('exception');
    expect(text).not.toContain('stacktrace');
    const errors = byPath(res.body.errors);
    for (const path of ['leak', 'crash']) {
      expect(errors[path]).toMatchObject({
        path: [path],
        extensions: { code: 'SUBGRAPH_ERROR', serviceName: 'store', requestId: 'req-mask-1' },
      });
      expect(errors[path].message).toContain('req-mask-1');
    }
    expect(errors.missing).toMatchObject({ message: 'Order 7 not found', extensions: { code: 'NOT_FOUND' } });
    expect(errors.custom).toMatchObject({ message: 'Out of stock', extensions: { code: 'OUT_OF_STOCK' } });
    // The originals are in the log, under the request id.
    const masked = logged.lines.filter((l) => l.msg === 'subgraph error masked');
    expect(masked).toHaveLength(2);
    expect(masked.every((l) => l.requestId === 'req-mask-1' && l.subgraph === 'store')).toBe(true);
    expect(JSON.stringify(masked)).toContain('db-primary.internal');
  });

  it('without the allow-list an unknown code is masked too', async () => {
    await using gw = await startGatewayOver([subgraph], { NODE_ENV: 'production' });
    const res = await gw.post({ query: '{ custom }' });
    expect(res.body.errors[0].extensions.code).toBe('SUBGRAPH_ERROR');
    expect(res.body.errors[0].message).not.toContain('Out of stock');
  });

  it('MASK_ERRORS=false forwards them (and NODE_ENV unset leaves masking off)', async () => {
    const envs: Record<string, string>[] = [{ NODE_ENV: 'production', MASK_ERRORS: 'false' }, {}];
    for (const env of envs) {
      await using gw = await startGatewayOver([subgraph], env);
      const res = await gw.post({ query: '{ leak }' });
      expect(res.body.errors[0].message).toBe(LEAK);
    }
  });

  it('MASK_ERRORS=true masks outside production', async () => {
    await using gw = await startGatewayOver([subgraph], { MASK_ERRORS: 'true' });
    const res = await gw.post({ query: '{ leak }' });
    expect(res.body.errors[0].extensions.code).toBe('SUBGRAPH_ERROR');
  });
});
