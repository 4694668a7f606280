import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { loadConfig } from '@intelgraph/config';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from '@intelgraph/subgraph-runtime';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * OTLP trace export end to end: the gateway (a child process, as deployed, so it has its own
 * tracer provider and service.name) in front of the accounts subgraph (started in this process),
 * both exporting to a fake OTLP/HTTP collector on loopback that decodes the JSON they post.
 */

interface ExportedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

type OtlpValue = {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
};
type OtlpAttribute = { key: string; value: OtlpValue };
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}

const otlpValue = (v: OtlpValue): unknown => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attributesOf = (list: OtlpAttribute[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, otlpValue(a.value)]));

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

/** A fake OTLP/HTTP collector: accepts `POST /v1/traces` (JSON) and keeps the spans. */
async function startCollector() {
  const spans: ExportedSpan[] = [];
  const paths: string[] = [];
  const server = createServer(async (req, res) => {
    paths.push(`${req.method} ${req.url}`);
    const body = await bodyOf(req);
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    const payload = JSON.parse(body.toString('utf8')) as OtlpExport;
    for (const rs of payload.resourceSpans ?? []) {
      const service = String(attributesOf(rs.resource?.attributes)['service.name']);
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          spans.push({
            service,
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId || undefined,
            name: s.name,
            attributes: attributesOf(s.attributes),
          });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const root = join(import.meta.dirname, '..', '..');
let collector: Awaited<ReturnType<typeof startCollector>>;
let accounts: RunningSubgraph;
const identitySecret = randomBytes(32).toString('hex');

beforeAll(async () => {
  collector = await startCollector();
  const mod = (await import(pathToFileURL(join(root, 'subgraphs', 'accounts', 'src', 'index.ts')).href)) as {
    accountsSubgraph: SubgraphDefinition<never>;
    configSpec: Parameters<typeof loadConfig>[0];
  };
  const config = loadConfig(mod.configSpec, {
    PORT: '0',
    LOG_LEVEL: 'silent',
    EMBEDDED_SHARDS: '1',
    IDENTITY_SECRET: identitySecret,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
  }) as unknown as Parameters<typeof startSubgraph>[1];
  accounts = await startSubgraph(mod.accountsSubgraph, config);
}, 60_000);
afterAll(async () => {
  await accounts?.stop();
  await collector?.close();
});

describe('OTLP trace export', () => {
  it('one request through the gateway to a subgraph is one trace: gateway span → subgraph request span → SQL span', async () => {
    const port = await freePort();
    const jwtSecret = randomBytes(32).toString('hex');
    const child = spawn(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', join(root, 'gateway', 'src', 'main.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          SUBGRAPHS: `accounts=${accounts.url}`,
          SUPERGRAPH_PATH: '',
          IDENTITY_SECRET: identitySecret,
          JWT_SECRET: jwtSecret,
          ALLOW_ANONYMOUS: 'false',
          SUBGRAPH_RETRIES: '0',
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const token = await new SignJWT({ tenant: 'traced', scope: 'read write admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('traced:bootstrap')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(jwtSecret));
    let body: unknown;
    try {
      const deadline = Date.now() + 45_000;
      while (Date.now() < deadline && body === undefined) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({
              query: 'mutation CreateTenant { createTenant(input: { name: "Traced Corp" }) { id } }',
              operationName: 'CreateTenant',
            }),
          });
          if (res.status === 200) body = await res.json();
        } catch {
          // not listening yet
        }
        if (body === undefined) await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      // SIGTERM: the gateway drains and flushes the spans it has not exported yet.
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
    expect(body, output).toMatchObject({ data: { createTenant: { id: expect.any(String) } } });
    // The subgraph's spans are flushed on stop.
    await accounts.stop();

    const spans = collector.spans;
    const gatewaySpan = spans.find((s) => s.name === 'gateway.http.request');
    expect(gatewaySpan, JSON.stringify(collector.paths)).toBeDefined();
    expect(gatewaySpan!.service).toBe('gateway');
    expect(gatewaySpan!.attributes['graphql.operation.name']).toBe('CreateTenant');

    const trace = spans.filter((s) => s.traceId === gatewaySpan!.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const descendsFrom = (span: ExportedSpan, ancestor: ExportedSpan): boolean => {
      for (let p = span.parentSpanId; p !== undefined; p = byId.get(p)?.parentSpanId)
        if (p === ancestor.spanId) return true;
      return false;
    };
    const request = trace.find((s) => s.name === 'graphql.request');
    expect(request, JSON.stringify(trace.map((s) => [s.service, s.name]))).toBeDefined();
    expect(request!.service).toBe('accounts');
    expect(request!.attributes['graphql.operation.name']).toBeDefined();
    expect(descendsFrom(request!, gatewaySpan!)).toBe(true);

    const statements = trace.filter((s) => s.attributes['db.system'] === 'postgresql');
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.service).toBe('accounts');
      expect(descendsFrom(s, request!)).toBe(true);
      expect(s.attributes['db.shard.id']).toEqual(expect.any(String));
      expect(['primary', 'replica']).toContain(s.attributes['db.shard.target']);
    }
    // A write: the INSERT ran on the primary, and no parameter value left the process.
    expect(statements.some((s) => s.attributes['db.operation.name'] === 'INSERT')).toBe(true);
    expect(JSON.stringify(statements)).not.toContain('Traced Corp');
  }, 90_000);
});
