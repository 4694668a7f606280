/** Sends one GraphQL operation through the gateway as the demo user; resolves to its JSON answer. */
export type DemoCall = (
  query: string,
  variables?: Record<string, unknown>,
) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly { message: string }[] }>;

export interface DemoData {
  readonly entities: number;
  readonly relationships: number;
  readonly investigations: number;
}

const ENTITIES = [
  { key: 'ada', kind: 'PERSON', name: 'Ada Lovelace' },
  { key: 'charles', kind: 'PERSON', name: 'Charles Babbage' },
  { key: 'engines', kind: 'ORGANISATION', name: 'Analytical Engines Ltd' },
  { key: 'london', kind: 'LOCATION', name: 'London' },
  { key: 'notes', kind: 'DOCUMENT', name: 'Notes on the Analytical Engine' },
] as const;

const LINKS = [
  { from: 'ada', to: 'charles', kind: 'COLLABORATED_WITH' },
  { from: 'charles', to: 'engines', kind: 'FOUNDED' },
  { from: 'ada', to: 'notes', kind: 'AUTHORED' },
  { from: 'engines', to: 'london', kind: 'LOCATED_IN' },
] as const;

/** An example query over the demo data that joins all three subgraphs. */
export const DEMO_QUERY =
  '{ investigations(first: 5) { edges { node { title entities { name kind relationshipCount createdBy { name } } } } } }';

/**
 * The demo tenant's sample data, written through the gateway like any client's (so it also
 * flows through the event store, the outbox and the read models): five entities, four
 * relationships between them, and one open investigation holding three of them. Any refused
 * mutation fails the seeding with its message.
 */
export async function seedDemoData(call: DemoCall): Promise<DemoData> {
  const must = async (
    query: string,
    variables: Record<string, unknown>,
  ): Promise<Record<string, unknown>> => {
    const answer = await call(query, variables);
    if (answer.errors?.length || !answer.data)
      throw new Error(`seeding the demo data failed: ${answer.errors?.[0]?.message ?? 'no data'}`);
    return answer.data;
  };
  const ids = new Map<string, string>();
  for (const e of ENTITIES) {
    const data = await must(
      'mutation Seed($kind: EntityKind!, $name: String!) { createEntity(input: { kind: $kind, name: $name }) { id } }',
      { kind: e.kind, name: e.name },
    );
    ids.set(e.key, (data.createEntity as { id: string }).id);
  }
  for (const l of LINKS) {
    await must(
      'mutation Link($from: ID!, $to: ID!, $kind: String!) { linkEntities(input: { fromId: $from, toId: $to, kind: $kind }) { id } }',
      { from: ids.get(l.from), to: ids.get(l.to), kind: l.kind },
    );
  }
  const created = await must(
    'mutation Open($title: String!, $description: String) { createInvestigation(input: { title: $title, description: $description }) { id } }',
    {
      title: 'Who built the Analytical Engine?',
      description: 'Demo investigation seeded by pnpm start.',
    },
  );
  const investigationId = (created.createInvestigation as { id: string }).id;
  for (const key of ['ada', 'charles', 'engines']) {
    await must('mutation Add($i: ID!, $e: ID!) { addEntity(investigationId: $i, entityId: $e) { id } }', {
      i: investigationId,
      e: ids.get(key),
    });
  }
  return { entities: ENTITIES.length, relationships: LINKS.length, investigations: 1 };
}
