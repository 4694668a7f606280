import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '@intelgraph/config';
import { IDENTITY_HEADER, type Identity, IdentitySigner } from '@intelgraph/identity';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from '@intelgraph/subgraph-runtime';
import { graphqlJs } from '../../src/graphql-js.js';
import { subgraphEntry } from '../../src/schema/subgraph-entry.js';

const { print } = graphqlJs;

/*
 * The platform's own subgraphs (accounts, entities, investigations from subgraphs/), started in
 * this process on embedded in-memory PGlite shards (two each) with a signed identity, and a
 * seed: two tenants with users, entities (attributes, relationships) and investigations (one
 * closed), created through GraphQL mutations as an application would.
 */

const PLATFORM = ['accounts', 'entities', 'investigations'] as const;
type AnyDefinition = SubgraphDefinition<never>;

export interface PlatformSubgraphs extends AsyncDisposable {
  readonly all: readonly { readonly name: string; readonly url: string; readonly sdl: string }[];
  readonly identitySecret: string;
  stop(): Promise<void>;
}

export async function startPlatformSubgraphs(identitySecret: string): Promise<PlatformSubgraphs> {
  const root = join(import.meta.dirname, '..', '..', '..');
  const running: { name: string; subgraph: RunningSubgraph; sdl: string }[] = [];
  const stop = async (): Promise<void> => {
    for (const r of running.reverse()) await r.subgraph.stop();
  };
  try {
    for (const name of PLATFORM) {
      const mod = (await import(pathToFileURL(subgraphEntry(root, name)).href)) as Record<string, unknown>;
      const definition = Object.values(mod).find(
        (v): v is AnyDefinition => typeof v === 'object' && v !== null && 'typeDefs' in v && 'setup' in v,
      )!;
      const config = loadConfig(mod.configSpec as Parameters<typeof loadConfig>[0], {
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.DIFFERENTIAL_SUBGRAPH_LOG ?? 'silent',
        IDENTITY_SECRET: identitySecret,
        EMBEDDED_SHARDS: '2',
        EMBEDDED_DATA_DIR: 'memory',
      }) as unknown as Parameters<typeof startSubgraph>[1];
      running.push({
        name,
        subgraph: await startSubgraph(definition, config),
        sdl: print(definition.typeDefs),
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    all: running.map((r) => ({ name: r.name, url: r.subgraph.url, sdl: r.sdl })),
    identitySecret,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The ids the seed created, for arguments that name existing (and missing) objects. */
export interface PlatformSeed {
  readonly tenants: readonly SeededTenant[];
  readonly entityIds: readonly string[];
  readonly userIds: readonly string[];
  readonly investigationIds: readonly string[];
  readonly cursors: readonly string[];
}

export interface SeededTenant {
  readonly id: string;
  readonly admin: Identity;
  readonly reader: Identity;
}

/** Posts a mutation or query to a gateway that forwards the signed identity (or to a subgraph). */
async function call(
  url: string,
  signer: IdentitySigner,
  identity: Identity,
  query: string,
  variables: Record<string, unknown> = {},
  // biome-ignore lint/suspicious/noExplicitAny: seed answers are read field by field
): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: signer.sign(identity) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`seed failed: ${query}\n${JSON.stringify(body.errors)}`);
  return body.data;
}

const KINDS = ['PERSON', 'ORGANISATION', 'LOCATION', 'EVENT', 'DOCUMENT', 'OTHER'];

/** Seeds two tenants through `url`, a gateway that passes the identity header on to the subgraphs. */
export async function seedPlatform(url: string, identitySecret: string): Promise<PlatformSeed> {
  const signer = new IdentitySigner({ secrets: [identitySecret] });
  const tenants: SeededTenant[] = [];
  const entityIds: string[] = [];
  const userIds: string[] = [];
  const investigationIds: string[] = [];
  const cursors: string[] = [];
  for (const [t, tenant] of ['alpha', 'beta'].entries()) {
    const everything = ['read', 'write', 'admin'];
    const bootstrap: Identity = { tenantId: tenant, userId: `${tenant}:bootstrap`, scopes: everything };
    await call(url, signer, bootstrap, 'mutation($n: String!) { createTenant(input: { name: $n }) { id } }', {
      n: `${tenant} Corp`,
    });
    const user = async (name: string, role: string) =>
      (
        await call(
          url,
          signer,
          bootstrap,
          'mutation($e: String!, $n: String!, $r: Role) { createUser(input: { email: $e, name: $n, role: $r }) { id } }',
          { e: `${name}@${tenant}.test`, n: name, r: role },
        )
      ).createUser.id as string;
    const adminId = await user(t === 0 ? 'Eve' : 'Bob', 'ADMIN');
    const readerId = await user(t === 0 ? 'Ann' : 'Cid', 'VIEWER');
    userIds.push(adminId, readerId);
    const admin: Identity = { tenantId: tenant, userId: adminId, scopes: everything };
    const reader: Identity = { tenantId: tenant, userId: readerId, scopes: ['read'] };
    tenants.push({ id: tenant, admin, reader });
    const ids: string[] = [];
    for (let i = 0; i < (t === 0 ? 6 : 4); i++) {
      const created = await call(
        url,
        signer,
        admin,
        'mutation($in: CreateEntityInput!) { createEntity(input: $in) { id } }',
        {
          in: {
            kind: KINDS[i % KINDS.length],
            name: `${tenant} entity ${i}`,
            attributes: Array.from({ length: i % 3 }, (_, k) => ({ key: `k${k}`, value: `v${i}.${k}` })),
          },
        },
      );
      ids.push(created.createEntity.id);
    }
    entityIds.push(...ids);
    for (let i = 0; i + 1 < ids.length; i += 1)
      await call(
        url,
        signer,
        admin,
        'mutation($in: LinkEntitiesInput!) { linkEntities(input: $in) { id } }',
        { in: { fromId: ids[i], toId: ids[(i * 2 + 1) % ids.length], kind: i % 2 ? 'knows' : 'owns' } },
      );
    for (let k = 0; k < 2; k++) {
      const inv = (
        await call(
          url,
          signer,
          admin,
          'mutation($t: String!) { createInvestigation(input: { title: $t, description: "seeded" }) { id } }',
          { t: `${tenant} case ${k}` },
        )
      ).createInvestigation.id as string;
      investigationIds.push(inv);
      for (const e of ids.slice(k, k + 3))
        await call(
          url,
          signer,
          admin,
          'mutation($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { id } }',
          {
            i: inv,
            e,
          },
        );
      if (k === 1)
        await call(url, signer, admin, 'mutation($i: ID!) { closeInvestigation(id: $i) { id } }', { i: inv });
    }
    const page = await call(url, signer, admin, '{ entities(first: 2) { pageInfo { endCursor } } }');
    cursors.push(page.entities.pageInfo.endCursor);
  }
  return { tenants, entityIds, userIds, investigationIds, cursors };
}
