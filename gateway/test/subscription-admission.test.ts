import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sha256Hex } from '../src/persisted/persisted-manifest.js';
import { AUTHZ_JWT_SECRET, headersFor } from './fixtures/authz-identities.js';
import type { ClassicSubgraphs } from './fixtures/classic-subgraphs.js';
import { startLiveSubgraphs } from './fixtures/live-subgraphs.js';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

/*
 * A subscription is admitted exactly as a query is, on every transport (graphql-ws, GraphQL over
 * SSE, multipart HTTP), with the gateway's default limits: cost (what the rest of the plan
 * fetches per event included), depth, aliases, safelisting, and authorization (filter and
 * reject). The oracle is the gateway itself answering the same selection as a query:
 * `Query.latest` is the feed's event 1, so `subscription { ticks(count: 2) { S } }` must be
 * refused with the very error `{ latest { S } }` is refused with, or deliver two events, the
 * first equal to the query's answer — errors included, as authorization shapes them.
 */

type Transport = 'graphql-ws' | 'sse' | 'multipart';
const TRANSPORTS: readonly Transport[] = ['graphql-ws', 'sse', 'multipart'];

type Who = 'anonymous' | { readonly user: string; readonly scopes: readonly string[] };
const WHO: readonly Who[] = [
  'anonymous',
  { user: 'u-plain', scopes: [] },
  { user: 'u-secret', scopes: ['secret'] },
];

interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}
interface Result {
  data?: Record<string, unknown> | null;
  errors?: GqlError[];
}
type Outcome = { refused: GqlError } | { results: Result[] };

interface Request {
  query: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

/** An error as compared: no `locations` (the two documents differ before the selection). */
function comparable(error: GqlError, root?: string): GqlError {
  const { locations: _l, ...extensions } = (error.extensions ?? {}) as Record<string, unknown>;
  // A refusal names the path in the operation: it starts at the root field.
  if (root && Array.isArray(extensions.path)) extensions.path = [root, ...extensions.path.slice(1)];
  return {
    message: error.message,
    ...(error.path ? { path: root ? [root, ...error.path.slice(1)] : error.path } : {}),
    extensions,
  };
}

/** A streaming response's results: SSE `next` events or multipart `payload` parts. */
function parseStream(transport: 'sse' | 'multipart', text: string): Result[] {
  const results: Result[] = [];
  if (transport === 'sse') {
    for (const frame of text.split('\n\n')) {
      const lines = frame.split('\n');
      if (lines[0] !== 'event: next') continue;
      const data = lines.find((l) => l.startsWith('data: '));
      if (data) results.push(JSON.parse(data.slice('data: '.length)) as Result);
    }
    return results;
  }
  for (const part of text.split('--graphql')) {
    const start = part.indexOf('{');
    if (start < 0) continue;
    const json = JSON.parse(part.slice(start)) as { payload?: Result | null; errors?: GqlError[] };
    if (json.payload) results.push(json.payload);
    else if (json.errors) results.push({ errors: json.errors });
  }
  return results;
}

describe('subscriptions are admitted exactly as queries (default limits, every transport)', () => {
  let subgraphs: ClassicSubgraphs;
  let filter: TestGateway;
  let reject: TestGateway;
  let safelisted: TestGateway;
  const wsClients = new Map<string, Client>();
  let wsClosed = 0;

  const identityKey = (who: Who) => (who === 'anonymous' ? 'anonymous' : who.user);

  const wsClient = async (gw: TestGateway, who: Who): Promise<Client> => {
    const key = `${gw.url}\u0000${identityKey(who)}`;
    let client = wsClients.get(key);
    if (!client) {
      const headers = await headersFor(who);
      client = createClient({
        url: gw.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        connectionParams: headers.authorization ? { Authorization: headers.authorization } : {},
        on: {
          closed: () => {
            wsClosed++;
          },
        },
      });
      wsClients.set(key, client);
    }
    return client;
  };

  /** Runs a subscription to its end over one transport. */
  const subscribe = async (
    gw: TestGateway,
    transport: Transport,
    who: Who,
    request: Request,
  ): Promise<Outcome> => {
    if (transport === 'graphql-ws') {
      const client = await wsClient(gw, who);
      const results: Result[] = [];
      try {
        await new Promise<void>((resolve, reject) => {
          client.subscribe(request as never, {
            next: (r) => void results.push(r as Result),
            error: reject,
            complete: resolve,
          });
        });
      } catch (error) {
        // An `error` message for the subscription id: an array of GraphQL errors. Anything else
        // (a CloseEvent) is a failure of the transport, which a client mistake must never cause.
        if (!Array.isArray(error))
          throw new Error(`graphql-ws ended the connection: ${JSON.stringify(error)}`);
        return { refused: error[0] as GqlError };
      }
      return { results };
    }
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: transport === 'sse' ? 'text/event-stream' : 'multipart/mixed;subscriptionSpec="1.0"',
        ...(await headersFor(who)),
      },
      body: JSON.stringify(request),
    });
    const text = await res.text();
    if (res.status !== 200) {
      const body = JSON.parse(text) as { errors: GqlError[] };
      return { refused: body.errors[0]! };
    }
    return { results: parseStream(transport, text) };
  };

  const query = async (gw: TestGateway, who: Who, request: Request) => {
    const res = await gw.post(request, await headersFor(who));
    return res.body as { data?: Record<string, unknown> | null; errors?: GqlError[] };
  };

  /** The subscription's outcome must be the query's, over `transport`. */
  const expectSameAsQuery = async (
    gw: TestGateway,
    transport: Transport,
    who: Who,
    selection: string,
    variableDefinitions: string,
    variables: Record<string, unknown>,
  ) => {
    const defs = variableDefinitions ? `(${variableDefinitions})` : '';
    // The selection's first line; its fragments' definitions follow the operation.
    const [head, ...fragments] = selection.split('\n');
    const tail = fragments.length > 0 ? `\n${fragments.join('\n')}` : '';
    const answer = await query(gw, who, { query: `query Q${defs} { latest ${head} }${tail}`, variables });
    const outcome = await subscribe(gw, transport, who, {
      query: `subscription S${defs} { ticks(count: 2) ${head} }${tail}`,
      variables,
    });
    if (answer.data === undefined) {
      // Refused as a whole: the subscription with the same code, message and details.
      expect(answer.errors).toHaveLength(1);
      expect('refused' in outcome ? comparable(outcome.refused, 'latest') : outcome).toEqual(
        comparable(answer.errors![0]!),
      );
      return answer.errors![0]!.extensions!.code as string;
    }
    if ('refused' in outcome) throw new Error(`refused: ${JSON.stringify(outcome.refused)}`);
    expect(outcome.results).toHaveLength(2);
    const [first] = outcome.results;
    expect(first!.data?.ticks).toEqual(answer.data!.latest);
    expect((first!.errors ?? []).map((e) => comparable(e, 'latest'))).toEqual(
      (answer.errors ?? []).map((e) => comparable(e)),
    );
    return 'served';
  };

  beforeAll(async () => {
    subgraphs = await startLiveSubgraphs();
    const env = { JWT_SECRET: AUTHZ_JWT_SECRET, ALLOW_ANONYMOUS: 'true' };
    filter = await startTestGateway(env, {}, subgraphs);
    reject = await startTestGateway({ ...env, AUTHORIZATION_MODE: 'reject' }, {}, subgraphs);
    const dir = mkdtempSync(join(tmpdir(), 'subscription-safelist-'));
    const manifest = join(dir, 'manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [
          { id: 'listed-sub', name: 'Listed', type: 'subscription', body: LISTED },
          { id: 'listed-query', name: 'Latest', type: 'query', body: LISTED_QUERY },
        ],
      }),
    );
    safelisted = await startTestGateway(
      { ...env, PERSISTED_OPERATIONS_PATH: manifest, SAFELIST: 'true' },
      {},
      subgraphs,
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...wsClients.values()].map((c) => c.dispose()));
    await safelisted?.stop();
    await reject?.stop();
    await filter?.stop();
    await subgraphs?.stop();
  });

  // ---- generated selections on Tick --------------------------------------------------------

  /** A list argument: a literal, a variable (sent, or left to its default), or nothing. */
  interface Arg {
    readonly kind: 'none' | 'literal' | 'sent' | 'default';
    readonly value: number;
  }
  const arg: fc.Arbitrary<Arg> = fc.record({
    kind: fc.constantFrom('none', 'literal', 'sent', 'default'),
    value: fc.integer({ min: 0, max: 120 }),
  });

  interface Built {
    text: string;
    defs: string[];
    variables: Record<string, unknown>;
    fragments: Map<string, string>;
  }
  const argText = (b: Built, name: string, a: Arg): string => {
    if (a.kind === 'none') return '';
    if (a.kind === 'literal') return `(${name}: ${a.value})`;
    const v = `v${b.defs.length}`;
    b.defs.push(a.kind === 'default' ? `$${v}: Int = ${a.value}` : `$${v}: Int`);
    if (a.kind === 'sent') b.variables[v] = a.value;
    return `(${name}: $${v})`;
  };

  interface NoteSel {
    readonly text: boolean;
    readonly related: { readonly arg: Arg; readonly sel: NoteSel } | undefined;
  }
  const noteSel: fc.Arbitrary<NoteSel> = fc.letrec<{ note: NoteSel }>((tie) => ({
    note: fc.record({
      text: fc.boolean(),
      related: fc.option(fc.record({ arg, sel: tie('note') }), {
        nil: undefined,
        depthSize: 'small',
        maxDepth: 14,
      }),
    }),
  })).note;
  const noteText = (b: Built, n: NoteSel): string =>
    `{ ${n.text ? 'text ' : '__typename '}${n.related ? `related${argText(b, 'first', n.related.arg)} ${noteText(b, n.related.sel)}` : ''}}`;

  interface ReportSel {
    readonly fields: readonly ('id' | 'title' | 'secret' | 'restricted')[];
    readonly notes: { readonly arg: Arg; readonly sel: NoteSel } | undefined;
    readonly viaFragment: boolean;
  }
  const reportSel: fc.Arbitrary<ReportSel> = fc.record({
    fields: fc.subarray(['id', 'title', 'secret', 'restricted'] as const),
    notes: fc.option(fc.record({ arg, sel: noteSel }), { nil: undefined }),
    viaFragment: fc.boolean(),
  });
  const reportText = (b: Built, r: ReportSel): string => {
    const inner = `id ${r.fields.join(' ')} ${r.notes ? `notes${argText(b, 'first', r.notes.arg)} ${noteText(b, r.notes.sel)}` : ''}`;
    if (!r.viaFragment) return inner;
    const name = `R${b.fragments.size}`;
    b.fragments.set(name, `fragment ${name} on Report { ${inner} }`);
    return `...${name}`;
  };

  interface TickSel {
    readonly n: boolean;
    readonly report: ReportSel | undefined;
    readonly items:
      | {
          readonly arg: Arg;
          readonly report: ReportSel | undefined;
          readonly classified: 'no' | 'inline' | 'named';
        }
      | undefined;
    /** `n` asked again under this many aliases (the alias limit is 30). */
    readonly aliases: number;
  }
  const tickSel: fc.Arbitrary<TickSel> = fc.record({
    n: fc.boolean(),
    report: fc.option(reportSel, { nil: undefined }),
    items: fc.option(
      fc.record({
        arg,
        report: fc.option(reportSel, { nil: undefined }),
        classified: fc.constantFrom('no', 'inline', 'named'),
      }),
      { nil: undefined },
    ),
    aliases: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
  });

  const build = (t: TickSel): { selection: string; defs: string; variables: Record<string, unknown> } => {
    const b: Built = { text: '', defs: [], variables: {}, fragments: new Map() };
    const parts: string[] = [t.n ? 'n' : '__typename'];
    for (let i = 0; i < t.aliases; i++) parts.push(`a${i}: n`);
    if (t.report) parts.push(`report { ${reportText(b, t.report)} }`);
    if (t.items) {
      const branches: string[] = ['__typename'];
      if (t.items.report) branches.push(`... on Report { ${reportText(b, t.items.report)} }`);
      if (t.items.classified === 'inline') branches.push('... on Classified { code }');
      if (t.items.classified === 'named') {
        b.fragments.set('C', 'fragment C on Classified { code }');
        branches.push('...C');
      }
      parts.push(`items${argText(b, 'first', t.items.arg)} { ${branches.join(' ')} }`);
    }
    const fragments = [...b.fragments.values()].join('\n');
    return {
      selection: `{ ${parts.join(' ')} }${fragments ? `\n${fragments}` : ''}`,
      defs: b.defs.join(', '),
      variables: b.variables,
    };
  };

  for (const transport of TRANSPORTS) {
    it(`${transport}: a generated subscription is refused or served exactly as the same selection as a query (authorization filter)`, async () => {
      const closedBefore = wsClosed;
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(tickSel, fc.constantFrom(...WHO), async (t, who) => {
          const { selection, defs, variables } = build(t);
          seen.add(await expectSameAsQuery(filter, transport, who, selection, defs, variables));
        }),
        { numRuns: 40 },
      );
      // The generator reaches both sides of the limits: some served, some refused.
      expect(seen.has('served')).toBe(true);
      expect([...seen].some((code) => code !== 'served')).toBe(true);
      // A refused subscribe is an `error` message; the connection stays open.
      expect(wsClosed).toBe(closedBefore);
    });

    it(`${transport}: authorization in reject mode refuses the subscription as it refuses the query`, async () => {
      await fc.assert(
        fc.asyncProperty(tickSel, fc.constantFrom(...WHO), async (t, who) => {
          const { selection, defs, variables } = build({ ...t, aliases: 0 });
          await expectSameAsQuery(reject, transport, who, selection, defs, variables);
        }),
        { numRuns: 15 },
      );
    });
  }

  // ---- fixed cases the generator may miss -----------------------------------------------------

  /** Past the default limits (MAX_COST 5000, MAX_DEPTH 12, MAX_ALIASES 30), each in a way the check must see. */
  const LIMITED: readonly {
    readonly name: string;
    readonly code: string;
    readonly selection: string;
    readonly defs?: string;
    readonly variables?: Record<string, unknown>;
  }[] = [
    {
      code: 'QUERY_TOO_COSTLY',
      name: 'nested lists fetched per event from another subgraph',
      selection: '{ report { notes(first: 100) { related(first: 100) { text } } } }',
    },
    {
      code: 'QUERY_TOO_COSTLY',
      name: 'a variable left to its default',
      defs: '$n: Int = 100',
      selection: '{ report { notes(first: $n) { related(first: $n) { text } } } }',
    },
    {
      code: 'QUERY_TOO_COSTLY',
      name: 'a variable sent',
      defs: '$n: Int',
      variables: { n: 100 },
      selection: '{ report { notes(first: $n) { related(first: $n) { text } } } }',
    },
    {
      code: 'QUERY_TOO_COSTLY',
      name: 'named and inline fragments on the union, aliases',
      selection:
        '{ x: items(first: 100) { ... on Report { ...N } } y: items(first: 100) { ... on Report { ...N } } }\nfragment N on Report { notes(first: 100) { text } }',
    },
    {
      code: 'QUERY_TOO_DEEP',
      name: 'depth through a named fragment',
      selection: `{ report { ...D } }\nfragment D on Report { notes(first: 1) ${'{ related(first: 1) '.repeat(9)}{ text }${' }'.repeat(9)} }`,
    },
    {
      code: 'GRAPHQL_VALIDATION_FAILED',
      name: 'a field the schema does not have',
      selection: '{ n nope }',
    },
    {
      code: 'QUERY_TOO_MANY_ALIASES',
      name: 'aliases',
      selection: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: n`).join(' ')} }`,
    },
  ];

  for (const transport of TRANSPORTS) {
    for (const c of LIMITED) {
      it(`${transport}: ${c.name}: ${c.code}, as for the query`, async () => {
        const code = await expectSameAsQuery(
          filter,
          transport,
          { user: 'u-secret', scopes: ['secret'] },
          c.selection,
          c.defs ?? '',
          c.variables ?? {},
        );
        expect(code).toBe(c.code);
      });
    }

    it(`${transport}: a root field the caller may not see refuses the subscription with the query's error code`, async () => {
      for (const who of WHO) {
        const answer = await query(filter, who, { query: '{ secretLatest { n } }' });
        const outcome = await subscribe(filter, transport, who, {
          query: 'subscription { secretTicks(count: 2) { n } }',
        });
        const denied = answer.errors?.[0]?.extensions?.code;
        if (denied === undefined) {
          expect(outcome).toEqual({
            results: [{ data: { secretTicks: { n: 1 } } }, { data: { secretTicks: { n: 2 } } }],
          });
        } else {
          expect(answer.data).toEqual({ secretLatest: null });
          expect('refused' in outcome && outcome.refused.extensions?.code).toBe(denied);
        }
      }
    });

    it(`${transport}: safelisting: a listed subscription runs by hash alone, an unlisted one is refused like an unlisted query`, async () => {
      const who: Who = { user: 'u-plain', scopes: [] };
      const byHash = (body: string) => ({
        query: '',
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(body) } },
      });
      // By the body's hash (the manifest indexes both its ids and its bodies' hashes).
      const listed = await subscribe(safelisted, transport, who, {
        ...byHash(LISTED),
        ...(transport === 'graphql-ws' ? {} : { query: undefined }),
      } as Request);
      expect(listed).toEqual({ results: [{ data: { ticks: { n: 1 } } }, { data: { ticks: { n: 2 } } }] });
      const unlistedQuery = await query(safelisted, who, { query: '{ latest { n report { id } } }' });
      const unlisted = await subscribe(safelisted, transport, who, {
        query: 'subscription { ticks(count: 2) { n report { id } } }',
      });
      expect(unlistedQuery.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
      expect('refused' in unlisted ? comparable(unlisted.refused) : unlisted).toEqual(
        comparable(unlistedQuery.errors![0]!),
      );
    });
  }
});

const LISTED = 'subscription Listed { ticks(count: 2) { n } }';
const LISTED_QUERY = 'query Latest { latest { n } }';
