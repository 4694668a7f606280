import fc from 'fast-check';
import type { DocumentNode, FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { graphqlJs } from '../src/graphql-js.js';
import { coerceVariables } from '../src/limits/operation-values.js';
import { fieldDenial, filterOperation } from '../src/security/authorization-filter.js';
import { AuthorizationRequirements, type DenyFn } from '../src/security/authorization-requirements.js';
import { shapeResponse } from '../src/security/authorization-shaper.js';

const { buildSchema, execute, GraphQLError, isObjectType, parse, validate } = graphqlJs;

/*
 * The filter (what the subgraphs are asked) and the shaper (what the client gets) checked against
 * a reference: the same schema executed by graphql-js with every resolver refusing what the
 * caller may not see — the answer a subgraph enforcing the directives itself would give, nulls
 * and non-null propagation included. Unlike a composed supergraph, the interface `Item` carries
 * no requirement of its own, so fields selected on it are judged per runtime type.
 */
const SDL = `
  directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  type Query { search: [Result]! items: [Item!] top: Doc! secret: Sec reports: [Rep]! }
  interface Item { id: ID! label: String }
  union Result = Doc | Sec | Rep
  type Doc implements Item { id: ID! label: String note: String @authenticated owner: Person! children: [Result!] }
  type Sec implements Item @authenticated { id: ID! label: String code: String! }
  type Rep implements Item @requiresScopes(scopes: [["reports"], ["admin"]]) { id: ID! label: String summary: String }
  type Person { name: String! email: String @requiresScopes(scopes: [["pii"]]) }
`;
const schema = buildSchema(SDL) as unknown as GraphQLSchema;
const requirements = AuthorizationRequirements.fromSupergraph(SDL);

const sec = { __typename: 'Sec', id: 's1', label: 'secret', code: 'NIGHTJAR' };
const rep = { __typename: 'Rep', id: 'r1', label: 'report', summary: 'Q3' };
const doc = (id: string, children: unknown[]) => ({
  __typename: 'Doc',
  id,
  label: `doc ${id}`,
  note: `note ${id}`,
  owner: { name: `owner ${id}`, email: `${id}@example.com` },
  children,
});
const d2 = doc('d2', [rep]);
const d1 = doc('d1', [sec, d2, rep]);
const root = {
  search: [d1, sec, rep, null, d2],
  items: [d1, rep, d2],
  top: d1,
  secret: sec,
  reports: [rep, null],
};

/** The reference: graphql-js, each resolver refusing what `deny` denies on its runtime parent. */
function reference(document: DocumentNode, deny: DenyFn, variables: Record<string, unknown>) {
  return execute({
    schema,
    document,
    rootValue: root,
    variableValues: variables,
    fieldResolver: (source, _args, _ctx, info) => {
      const d = isObjectType(info.parentType)
        ? fieldDenial(deny, info.parentType, [info.parentType], info.fieldName)
        : undefined;
      if (d) throw new GraphQLError('denied', { extensions: { code: d.code } });
      return (source as Record<string, unknown>)[info.fieldName];
    },
  }) as {
    data?: Record<string, unknown> | null;
    errors?: readonly { path?: readonly unknown[]; extensions: Record<string, unknown> }[];
  };
}

/** Ours: filter, execute what is left (as the subgraphs would), shape. */
function ours(document: DocumentNode, deny: DenyFn, variables: Record<string, unknown>) {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition',
  )!;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === 'FragmentDefinition') fragments.set(d.name.value, d);
  const filtered = filterOperation(schema, operation, fragments, deny);
  if (!filtered.changed)
    return { filtered: undefined, result: reference(document, () => undefined, variables) };
  const executable = parse(filtered.query);
  const invalid = validate(schema, executable);
  if (invalid.length > 0)
    throw new Error(`filtered operation invalid: ${invalid[0]!.message}\n${filtered.query}`);
  const raw = execute({ schema, document: executable, rootValue: root, variableValues: variables }) as {
    data: Record<string, unknown>;
  };
  const shaped = shapeResponse(
    raw.data,
    schema,
    operation,
    fragments,
    coerceVariables(schema, operation, variables),
    deny,
  );
  return { filtered: filtered.query, result: { data: shaped.data, errors: shaped.errors } };
}

const classes = {
  anonymous: requirements.classOf(undefined),
  user: requirements.classOf({ tenantId: 't', userId: 'u', scopes: [] }),
  reports: requirements.classOf({ tenantId: 't', userId: 'u', scopes: ['reports'] }),
  everything: requirements.classOf({ tenantId: 't', userId: 'u', scopes: ['admin', 'pii'] }),
};

const codes = (
  errors: readonly { path?: readonly unknown[]; extensions?: Record<string, unknown> }[] | undefined,
) => (errors ?? []).map((e) => `${(e.path ?? []).join('.')} ${String(e.extensions?.code)}`).sort();

function compare(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  for (const [name, identityClass] of Object.entries(classes)) {
    const deny = requirements.denyFor(identityClass);
    const expected = reference(document, deny, variables);
    const actual = ours(document, deny, variables).result;
    expect([name, actual.data]).toEqual([name, expected.data]);
    expect([name, codes(actual.errors)]).toEqual([name, codes(expected.errors)]);
  }
}

describe('filterOperation + shapeResponse', () => {
  it('answer like a subgraph that enforces the directives itself (hand-picked cases)', () => {
    compare('{ search { __typename ... on Doc { id note } ... on Sec { id code } ... on Rep { summary } } }');
    compare('{ items { id label ... on Doc { owner { name email } } } }');
    compare('{ top { children { ...S ... on Doc { id } } } } fragment S on Sec { code label }');
    compare('{ a: secret { code } b: top { n: note o: owner { e: email } } reports { label } }');
    compare('query($x: Boolean!) { top { note @include(if: $x) label } }', { x: true });
    compare('query($x: Boolean!) { top { note @include(if: $x) label } }', { x: false });
    compare('{ secret { id } }');
  });

  it('asks for no field of a type the caller may not see, under any runtime type', () => {
    const deny = requirements.denyFor(classes.anonymous);
    const document = parse('{ items { id label } search { ... on Item { id } } }');
    const { filtered } = ours(document, deny, {});
    expect(filtered).toBeDefined();
    expect(filtered).not.toMatch(/on (Sec|Rep)\b/);
    expect(filtered).toContain('... on Doc');
  });

  it('keeps the filtered operation linear in the document under fragment fan-out', () => {
    const depth = 30;
    const fragments = Array.from(
      { length: depth },
      (_, i) =>
        `fragment F${i} on Doc { label ${i < depth - 1 ? `children { ... on Doc { ...F${i + 1} } ...G } ` : ''}}`,
    ).join('\n');
    const query = `{ top { ...F0 } } ${fragments} fragment G on Result { ... on Sec { code } ... on Item { id } }`;
    const started = performance.now();
    const { filtered } = ours(parse(query), requirements.denyFor(classes.anonymous), {});
    expect(performance.now() - started).toBeLessThan(2000);
    expect(filtered!.length).toBeLessThan(query.length * 4);
  });
});

/* Generated operations: fields, aliases, inline and named fragments on the union, the interface and the objects. */
type Sel =
  | string
  | { readonly field: string; readonly sub: readonly Sel[] }
  | { readonly on: string; readonly body: readonly Sel[]; readonly named: boolean };
const scalars: Record<string, string[]> = {
  Doc: ['id', 'label', 'note'],
  Sec: ['id', 'label', 'code'],
  Rep: ['id', 'label', 'summary'],
  Item: ['id', 'label'],
  Person: ['name', 'email'],
};

function selectionOf(type: string, depth: number): fc.Arbitrary<readonly Sel[]> {
  if (type === 'Result' || type === 'Item') {
    const members = type === 'Result' ? ['Doc', 'Sec', 'Rep', 'Item'] : ['Doc', 'Sec', 'Rep'];
    const base: fc.Arbitrary<readonly Sel[]> =
      type === 'Item' ? fc.subarray(scalars.Item!, { minLength: 1 }) : fc.constant(['__typename']);
    return fc
      .tuple(
        base,
        fc
          .subarray(members, { minLength: 1 })
          .chain((ts) =>
            fc.tuple(
              ...ts.map((t) =>
                fc.record({ on: fc.constant(t), body: selectionOf(t, depth), named: fc.boolean() }),
              ),
            ),
          ),
      )
      .map(([b, frags]) => [...b, ...frags]);
  }
  const own = fc.subarray(scalars[type]!, { minLength: 1 });
  if (type !== 'Doc' || depth <= 0) return own;
  return fc
    .tuple(
      own,
      fc.option(selectionOf('Person', depth - 1), { nil: undefined }),
      fc.option(selectionOf('Result', depth - 1), { nil: undefined }),
    )
    .map(([s, owner, children]) => [
      ...s,
      ...(owner ? [{ field: 'owner', sub: owner }] : []),
      ...(children ? [{ field: 'children', sub: children }] : []),
    ]);
}

function render(top: string, alias: boolean, selections: readonly Sel[]): string {
  const fragments: string[] = [];
  const body = (sels: readonly Sel[]): string =>
    sels
      .map((sel) => {
        if (typeof sel === 'string') return sel;
        if ('field' in sel) return `${sel.field} { ${body(sel.sub)} }`;
        if (!sel.named) return `... on ${sel.on} { ${body(sel.body)} }`;
        const name = `F${fragments.length}`;
        fragments.push('');
        fragments[fragments.length - 1] = `fragment ${name} on ${sel.on} { ${body(sel.body)} }`;
        return `...${name}`;
      })
      .join(' ');
  const operation = `{ ${alias ? 'x: ' : ''}${top} { ${body(selections)} } }`;
  return `${operation} ${fragments.join(' ')}`;
}

const operationArb = fc.constantFrom('search', 'items', 'top', 'secret', 'reports').chain((field) => {
  const type = { search: 'Result', items: 'Item', top: 'Doc', secret: 'Sec', reports: 'Rep' }[field]!;
  return fc
    .tuple(selectionOf(type, 2), fc.boolean())
    .map(([selection, alias]) => render(field, alias, selection));
});

describe('filterOperation + shapeResponse (fast-check)', () => {
  it('answer every generated operation, for every identity class, like the enforcing reference', () => {
    fc.assert(
      fc.property(operationArb, (query) => {
        const document = parse(query);
        fc.pre(validate(schema, document).length === 0);
        compare(query);
      }),
      { numRuns: 300 },
    );
  });
});
