import { describe, expect, it } from 'vitest';
import { CacheControls } from '../../src/caching/cache-controls.js';
import { CacheHintIndex, planOperation } from '../../src/caching/cache-hints.js';
import { cacheControlValue, mergePolicies } from '../../src/caching/cache-policy.js';
import {
  canonicalize,
  mergeCanonical,
  parseEntitiesFetch,
  project,
} from '../../src/caching/entity-selection.js';
import { graphqlJs } from '../../src/graphql-js.js';

const { buildSchema, parse } = graphqlJs;

const SUPERGRAPH = `
type Query { a: A @cacheControl(maxAge: 30) b: B me: Me @cacheControl(maxAge: 100, scope: PRIVATE) n: Int }
type Mutation { m: Int }
type A @join__type(graph: X, key: "id") @cacheControl(maxAge: 60) { id: ID! x: Int @cacheControl(maxAge: 5) b: B }
type B @cacheControl(maxAge: 90) { y: Int }
type Me { z: Int }`;
const schema = buildSchema(
  SUPERGRAPH.replace(/@cacheControl\([^)]*\)/g, '').replace(/@join__type\([^)]*\)/g, ''),
);
const hints =
  CacheHintIndex.fromSupergraph(`directive @cacheControl(maxAge: Int, scope: S) on FIELD_DEFINITION | OBJECT
directive @join__type(graph: G, key: String) repeatable on OBJECT
enum S { PUBLIC PRIVATE } enum G { X }
${SUPERGRAPH}`);
const plan = (q: string, controls = new CacheControls()) =>
  planOperation(schema, parse(q), undefined, hints, controls);

describe('cache policy', () => {
  it('merges restrictively: min max-age, private if any part is, no-store if any part is or max-age is 0', () => {
    const pub = { maxAge: 60, scope: 'public', noStore: false } as const;
    expect(mergePolicies(pub, { maxAge: 10, scope: 'public', noStore: false })).toEqual({
      ...pub,
      maxAge: 10,
    });
    expect(mergePolicies(pub, { maxAge: 90, scope: 'private', noStore: false }).scope).toBe('private');
    expect(mergePolicies(pub, { maxAge: 90, scope: 'public', noStore: true }).noStore).toBe(true);
    expect(mergePolicies(pub, { maxAge: 0, scope: 'public', noStore: false }).noStore).toBe(true);
    expect(cacheControlValue(pub, true)).toBe('public, max-age=60');
    expect(cacheControlValue(pub, false)).toBe('private, max-age=60');
    expect(cacheControlValue({ ...pub, noStore: true }, true)).toBe('no-store');
  });

  it('plans an operation from the @cacheControl hints like Apollo', () => {
    expect(plan('{ a { id } }').policy).toEqual({ maxAge: 30, scope: 'public', noStore: false });
    // A scalar field's own hint counts; a nested composite field without one gets its type's hint.
    expect(plan('{ a { x b { y } } }').policy.maxAge).toBe(5);
    expect(plan('{ b { y } }').policy.maxAge).toBe(90);
    expect(plan('{ a { id } me { z } }').policy).toEqual({ maxAge: 30, scope: 'private', noStore: false });
    // A root field without any hint: the default max-age, 0 unless configured.
    expect(plan('{ n }').policy.noStore).toBe(true);
    expect(plan('{ n }', new CacheControls({ defaultMaxAge: 20 })).policy.maxAge).toBe(20);
    expect(plan('mutation { m }').policy.noStore).toBe(true);
    expect(plan('{ a { id } }', new CacheControls({ typeMaxAge: { A: 0 } })).policy.noStore).toBe(true);
    expect([...plan('{ a { id b { y } } }').types].sort()).toEqual(['A', 'B']);
    expect(hints.keyField('A')).toBe('id');
  });
});

describe('entity cache selection', () => {
  const Q1 =
    'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on A { __typename id x list(first: 2) { y } } } }';
  const Q2 =
    'query($r: [_Any!]!) { _entities(representations: $r) { ... on A { renamed: x list(first: 2) { y } } } }';
  const Q3 = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on A { x list(first: 3) { y } } } }';

  it('stores fields by name and arguments, serving another selection of a subset, aliases included', () => {
    const f1 = parseEntitiesFetch(Q1)!;
    expect(f1.variable).toBe('representations');
    const stored = canonicalize(
      { __typename: 'A', id: '1', x: 7, list: [{ y: 1 }, { y: 2 }] },
      f1.selectionFor('A')!,
      {},
      f1.fragments,
    )!;
    const f2 = parseEntitiesFetch(Q2)!;
    expect(project(stored, f2.selectionFor('A')!, {}, f2.fragments)).toEqual({
      renamed: 7,
      list: [{ y: 1 }, { y: 2 }],
    });
    // Other arguments are another field: a miss, never the wrong list.
    const f3 = parseEntitiesFetch(Q3)!;
    expect(project(stored, f3.selectionFor('A')!, {}, f3.fragments)).toBeUndefined();
    expect(parseEntitiesFetch('{ a { id } }')).toBeUndefined();
  });

  it('merges two selections of the same list element by element, so both are then served', () => {
    const a = parseEntitiesFetch(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on P { reviews { id body } } } }',
    )!;
    const b = parseEntitiesFetch(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on P { reviews { id stars } } } }',
    )!;
    const one = canonicalize(
      {
        reviews: [
          { id: '1', body: 'x' },
          { id: '2', body: 'y' },
        ],
      },
      a.selectionFor('P')!,
      {},
      a.fragments,
    )!;
    const two = canonicalize(
      {
        reviews: [
          { id: '1', stars: 5 },
          { id: '2', stars: 3 },
        ],
      },
      b.selectionFor('P')!,
      {},
      b.fragments,
    )!;
    const merged = mergeCanonical(one, two);
    expect(project(merged, a.selectionFor('P')!, {}, a.fragments)).toEqual({
      reviews: [
        { id: '1', body: 'x' },
        { id: '2', body: 'y' },
      ],
    });
    expect(project(merged, b.selectionFor('P')!, {}, b.fragments)).toEqual({
      reviews: [
        { id: '1', stars: 5 },
        { id: '2', stars: 3 },
      ],
    });
    // Another list (different ids): the newer one wins, never a mix of two lists.
    const other = canonicalize(
      {
        reviews: [
          { id: '3', stars: 1 },
          { id: '4', stars: 2 },
        ],
      },
      b.selectionFor('P')!,
      {},
      b.fragments,
    )!;
    expect(project(mergeCanonical(one, other), a.selectionFor('P')!, {}, a.fragments)).toBeUndefined();
  });
});
