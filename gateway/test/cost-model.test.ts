import { Supergraph } from '@apollo/federation-internals';
import { IntelGraphError } from '@intelgraph/errors';
import fc from 'fast-check';
import type { FragmentDefinitionNode, GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { graphqlJs } from '../src/graphql-js.js';
import { measureActualCost } from '../src/limits/actual-cost.js';
import { CostDirectives } from '../src/limits/cost-directives.js';
import { type CostModel, estimateCost } from '../src/limits/estimate-cost.js';
import { coerceVariables } from '../src/limits/operation-values.js';
import { acceptSecurityFeatures } from '../src/security/accept-security-features.js';
import { composeSupergraph } from '../src/supergraph/compose.js';
import { LIBRARY_SDL, VAULT_SDL } from './fixtures/authz-subgraphs.js';

const { parse, validate } = graphqlJs;

const supergraphSdl = acceptSecurityFeatures(
  composeSupergraph([
    { name: 'library', url: 'http://library.test/graphql', sdl: LIBRARY_SDL },
    { name: 'vault', url: 'http://vault.test/graphql', sdl: VAULT_SDL },
  ]),
);
const schema = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema() as unknown as GraphQLSchema;
const model: CostModel = {
  schema,
  directives: CostDirectives.fromSupergraph(supergraphSdl),
  defaultListSize: 10,
};

function cost(query: string, inputs: Record<string, unknown> = {}, m: CostModel = model): number {
  const document = parse(query);
  const errors = validate(schema, document);
  if (errors.length > 0) throw new Error(`invalid test query: ${errors[0]!.message}\n${query}`);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition')!;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === 'FragmentDefinition') fragments.set(d.name.value, d);
  return estimateCost(operation, fragments, coerceVariables(schema, operation, inputs), m);
}

describe('CostDirectives', () => {
  it('reads @cost and @listSize as composed into the supergraph (cost/v0.1 link)', () => {
    expect(supergraphSdl).toContain('https://specs.apollo.dev/cost/v0.1');
    const d = model.directives;
    expect(d.weight('Document.heavy')).toBe(25);
    expect(d.weight('Query.findText(text:)')).toBe(3);
    expect(d.listSize('Query.documents')).toEqual({
      assumedSize: 20,
      slicingArguments: ['first', 'last'],
      sizedFields: ['edges'],
      requireOneSlicingArgument: false,
    });
    expect(d.listSize('Query.pagedStrict')?.requireOneSlicingArgument).toBe(true);
  });

  it('follows a renamed import of the cost spec', () => {
    const d = CostDirectives.fromSupergraph(`
      schema @link(url: "https://specs.apollo.dev/cost/v0.1", import: [{ name: "@cost", as: "@weight" }]) { query: Query }
      type Query { a: Int @weight(weight: 4) }`);
    expect(d.weight('Query.a')).toBe(4);
  });
});

describe('estimateCost', () => {
  it('weighs objects 1, scalars 0, and @cost on fields', () => {
    // document 1 + heavy 25 + owner 1
    expect(cost('{ document(id: "d1") { id title heavy owner { name } } }')).toBe(27);
    expect(cost('{ version }')).toBe(0);
  });

  it('sizes a list by its slicing argument: literal, schema default, variable, variable default', () => {
    const q = (first: string) => `{ search${first} { ... on Document { owner { name } } } }`;
    expect(cost(q('(first: 3)'))).toBe(3 * (1 + 1));
    expect(cost(q(''))).toBe(10 * (1 + 1)); // the argument's schema default, 10
    const withVariable = 'query($n: Int) { search(first: $n) { ... on Document { owner { name } } } }';
    expect(cost(withVariable, { n: 4 })).toBe(4 * 2);
    const withDefault =
      'query($n: Int = 100000) { search(first: $n) { ... on Document { owner { name } } } }';
    expect(cost(withDefault)).toBe(cost(q('(first: 100000)')));
    expect(cost(withDefault, { n: 2 })).toBe(2 * 2);
  });

  it('sizes a connection’s edges by first/last (sizedFields), else assumedSize', () => {
    const q = (args: string) => `{ documents${args} { edges { node { id owner { name } } } } }`;
    // documents 1 + edges n × (edge 1 + node 1 + owner 1)
    expect(cost(q('(first: 7)'))).toBe(1 + 7 * 3);
    expect(cost(q('(last: 4)'))).toBe(1 + 4 * 3);
    expect(cost(q('(first: 2, last: 9)'))).toBe(1 + 9 * 3);
    expect(cost(q(''))).toBe(1 + 20 * 3);
  });

  it('adds argument weights (input objects 1) and reads nested slicing arguments', () => {
    // findText: 1 × 1 + text 3 + filter 1
    expect(cost('{ findText(text: "x", filter: { max: 7 }, max: 1) { id } }')).toBe(1 + 3 + 1);
    expect(cost('{ findText { id } }')).toBe(2);
    // The IBM draft allows `filter.max`; federation's composition does not, so a hand-made model.
    const nested = graphqlJs.buildSchema(`
      type Query { users(filter: Filter): [User] }
      input Filter { max: Int }
      type User { id: ID }`) as unknown as GraphQLSchema;
    const m: CostModel = {
      schema: nested,
      directives: CostDirectives.of(
        {},
        { 'Query.users': { slicingArguments: ['filter.max'], requireOneSlicingArgument: false } },
      ),
      defaultListSize: 10,
    };
    const document = parse('query($f: Filter = { max: 6 }) { users(filter: $f) { id } }');
    const operation = document.definitions[0] as never;
    expect(estimateCost(operation, new Map(), coerceVariables(nested, operation, {}), m)).toBe(6 + 1);
  });

  it('refuses a field that requires exactly one slicing argument without one (QUERY_SLICING_ARGUMENT_REQUIRED)', () => {
    const codeOf = (q: string) => {
      try {
        cost(q);
        return undefined;
      } catch (e) {
        return IntelGraphError.is(e) ? e.code : String(e);
      }
    };
    expect(codeOf('{ pagedStrict { edges { node { id } } } }')).toBe('QUERY_SLICING_ARGUMENT_REQUIRED');
    expect(codeOf('{ pagedStrict(first: 1, last: 1) { edges { node { id } } } }')).toBe(
      'QUERY_SLICING_ARGUMENT_REQUIRED',
    );
    expect(codeOf('{ pagedStrict(first: 5) { edges { node { id } } } }')).toBeUndefined();
  });

  it('costs an abstract selection as its most expensive possible type, not the sum', () => {
    const q = `{ search(first: 1) {
      ... on Document { owner { name } related { __typename } }
      ... on Secret { id }
      ... on Report { summary }
    } }`;
    // Document: owner 1 + related 3 × 1 = 4; the others 0.
    expect(cost(q)).toBe(1 * (1 + 4));
  });

  it('leaves out @skip/@include’d selections, with variables', () => {
    const q = 'query($s: Boolean!) { document(id: "d1") { heavy @skip(if: $s) } }';
    expect(cost(q, { s: true })).toBe(1);
    expect(cost(q, { s: false })).toBe(26);
  });

  it('adds 10 for a mutation', () => {
    expect(cost('mutation { touch(id: "d1") { id } }')).toBe(10 + 1);
  });

  it('scores each (fragment, type) once: a fragment fan-out does not make it exponential', () => {
    const depth = 40;
    const fragments = Array.from(
      { length: depth },
      (_, i) =>
        `fragment F${i} on Document { ${i < depth - 1 ? `...F${i + 1} ...F${i + 1}` : 'owner { name }'} }`,
    ).join('\n');
    const started = performance.now();
    const c = cost(`{ document(id: "d1") { ...F0 } } ${fragments}`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(c).toBe(1 + 2 ** (depth - 1));
  });
});

/*
 * Generated operations over the fixture's schema: selections of the union `SearchResult`, with
 * inline and named fragments, nested lists and aliases.
 */
const scalarOf = {
  Document: ['id', 'title', 'heavy'],
  Secret: ['id', 'codename'],
  Report: ['id', 'summary'],
};
type Member = keyof typeof scalarOf;
const members: Member[] = ['Document', 'Secret', 'Report'];

const memberBody = (type: Member, depth: number): fc.Arbitrary<string> => {
  const scalars = fc.subarray(scalarOf[type], { minLength: 1 });
  if (type !== 'Document' || depth <= 0) return scalars.map((s) => s.join(' '));
  return fc
    .tuple(scalars, fc.boolean(), fc.option(resultSelection(depth - 1), { nil: undefined }))
    .map(([s, owner, related]) =>
      [s.join(' '), owner ? 'owner { name }' : '', related ? `related { ${related} }` : ''].join(' '),
    );
};

const resultSelection = (depth: number): fc.Arbitrary<string> =>
  fc
    .uniqueArray(fc.constantFrom(...members), { minLength: 1, maxLength: 3 })
    .chain((types) =>
      fc.tuple(...types.map((t) => memberBody(t, depth).map((body) => `... on ${t} { ${body} }`))),
    )
    .map((parts) => `__typename ${parts.join(' ')}`);

describe('cost model properties (fast-check)', () => {
  it('a variable’s default costs what the same literal costs, and so does the value sent', () => {
    fc.assert(
      fc.property(resultSelection(2), fc.integer({ min: 0, max: 100_000 }), (selection, n) => {
        const literal = cost(`{ search(first: ${n}) { ${selection} } }`);
        expect(cost(`query($n: Int = ${n}) { search(first: $n) { ${selection} } }`)).toBe(literal);
        expect(cost(`query($n: Int) { search(first: $n) { ${selection} } }`, { n })).toBe(literal);
      }),
      { numRuns: 150 },
    );
  });

  it('an abstract selection costs the max over its possible types', () => {
    fc.assert(
      fc.property(
        fc.tuple(...members.map((t) => memberBody(t, 2))),
        fc.integer({ min: 0, max: 50 }),
        (bodies, first) => {
          const branch = (i: number) => `... on ${members[i]} { ${bodies[i]} }`;
          const all = cost(`{ search(first: ${first}) { ${members.map((_, i) => branch(i)).join(' ')} } }`);
          const each = members.map((_, i) => cost(`{ search(first: ${first}) { ${branch(i)} } }`));
          expect(all).toBe(Math.max(...each));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is monotone in first/last, on lists and on connections', () => {
    fc.assert(
      fc.property(
        resultSelection(2),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.constantFrom('first', 'last'),
        (selection, a, b, arg) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const list = (n: number) => cost(`{ search(first: ${n}) { ${selection} } }`);
          const connection = (n: number) =>
            cost(`{ documents(${arg}: ${n}) { edges { node { related { ${selection} } } } } }`);
          expect(list(lo)).toBeLessThanOrEqual(list(hi));
          expect(connection(lo)).toBeLessThanOrEqual(connection(hi));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a named fragment costs what the same inline fragment costs, aliases count as fields', () => {
    fc.assert(
      fc.property(resultSelection(2), fc.integer({ min: 0, max: 100 }), (selection, n) => {
        const inline = cost(`{ search(first: ${n}) { ${selection} } }`);
        const named = cost(`{ search(first: ${n}) { ...S } } fragment S on SearchResult { ${selection} }`);
        expect(named).toBe(inline);
        const twice = cost(`{ a: search(first: ${n}) { ${selection} } b: search(first: ${n}) { ...S } }
          fragment S on SearchResult { ${selection} }`);
        expect(twice).toBe(2 * inline);
      }),
      { numRuns: 100 },
    );
  });
});

describe('measureActualCost', () => {
  it('counts what the response holds, at the lists’ real lengths', () => {
    const document = parse(
      `{ search(first: 10) { __typename ... on Document { owner { name } } ... on Secret { id } } }`,
    );
    const operation = document.definitions[0]! as never;
    const data = {
      search: [
        { __typename: 'Document', owner: { name: 'a' } },
        { __typename: 'Secret', id: 's1' },
        null,
        { __typename: 'Document', owner: null },
      ],
    };
    // 3 objects in the list, 1 owner
    expect(measureActualCost(data, operation, new Map(), {}, model)).toBe(3 + 1);
  });
});
