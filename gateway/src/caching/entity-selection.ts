import type { FieldNode, FragmentDefinitionNode, SelectionSetNode, ValueNode } from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { CacheHintIndex } from './cache-hints.js';
import { mergePolicies, type ResponsePolicy } from './cache-policy.js';

const { Kind, parse, valueFromASTUntyped } = graphqlJs;

/**
 * An `_entities` fetch as the query planner sends it: one root field `_entities(representations:
 * $var)` with a selection per type (`... on Product { inStock }`). Entities are cached in a
 * canonical form — each field under its name plus its arguments, never under an alias — so an
 * entity fetched by one query serves another that selects any subset of its fields.
 */
export interface EntitiesFetch {
  /** The variable holding the representations. */
  readonly variable: string;
  /** The response key of `_entities` (an alias, rarely). */
  readonly responseKey: string;
  /** The selection applied to an entity of each type. */
  selectionFor(type: string): SelectionSetNode | undefined;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Canonical = { [k: string]: Json };

/** Parses a subgraph query; undefined when it is not a plain `_entities` fetch. */
export function parseEntitiesFetch(query: string): EntitiesFetch | undefined {
  if (!query.includes('_entities')) return undefined;
  let doc: import('graphql').DocumentNode;
  try {
    doc = parse(query, { noLocation: true });
  } catch {
    return undefined;
  }
  const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const op = ops[0];
  if (ops.length !== 1 || !op || op.kind !== Kind.OPERATION_DEFINITION || op.operation !== 'query')
    return undefined;
  if (op.selectionSet.selections.length !== 1) return undefined;
  const root = op.selectionSet.selections[0]!;
  if (root.kind !== Kind.FIELD || root.name.value !== '_entities' || !root.selectionSet) return undefined;
  const arg = root.arguments?.find((a) => a.name.value === 'representations');
  if (root.arguments?.length !== 1 || arg?.value.kind !== Kind.VARIABLE) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const byType = new Map<string, SelectionSetNode[]>();
  const generic: SelectionSetNode['selections'][number][] = [];
  for (const sel of root.selectionSet.selections) {
    const cond =
      sel.kind === Kind.INLINE_FRAGMENT
        ? sel.typeCondition?.name.value
        : sel.kind === Kind.FRAGMENT_SPREAD
          ? fragments.get(sel.name.value)?.typeCondition.name.value
          : undefined;
    const set =
      sel.kind === Kind.INLINE_FRAGMENT
        ? sel.selectionSet
        : sel.kind === Kind.FRAGMENT_SPREAD
          ? fragments.get(sel.name.value)?.selectionSet
          : undefined;
    if (cond && set) byType.set(cond, [...(byType.get(cond) ?? []), set]);
    else generic.push(sel);
  }
  const merged = new Map<string, SelectionSetNode>();
  for (const [type, sets] of byType)
    merged.set(type, {
      kind: Kind.SELECTION_SET,
      selections: [...generic, ...sets.flatMap((s) => s.selections)],
    });
  return {
    variable: arg.value.name.value,
    responseKey: root.alias?.value ?? '_entities',
    selectionFor: (type) => merged.get(type),
    fragments,
  };
}

function fieldKey(field: FieldNode, variables: Record<string, unknown>): string {
  if (!field.arguments || field.arguments.length === 0) return field.name.value;
  const args: Record<string, unknown> = {};
  for (const a of [...field.arguments].sort((x, y) => x.name.value.localeCompare(y.name.value)))
    args[a.name.value] = valueFromASTUntyped(a.value as ValueNode, variables);
  return `${field.name.value}(${JSON.stringify(args)})`;
}

/** Visits the fields of a selection set, flattening fragments (whose type applies to `typename`). */
function forEachField(
  set: SelectionSetNode,
  _typename: unknown,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  fn: (field: FieldNode) => boolean,
): boolean {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (!fn(sel)) return false;
      continue;
    }
    // Fragments are always descended: canonicalize stores the fields that are present, and
    // project needs every field of a fragment, so a fragment that may not apply costs a miss,
    // never a wrong answer.
    const inner =
      sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : fragments.get(sel.name.value)?.selectionSet;
    if (inner && !forEachField(inner, _typename, fragments, fn)) return false;
  }
  return true;
}

/** The canonical form of an entity result (or undefined when it cannot be represented). */
export function canonicalize(
  value: unknown,
  set: SelectionSetNode,
  variables: Record<string, unknown>,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): Json | undefined {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const v of value) {
      const c = canonicalize(v, set, variables, fragments);
      if (c === undefined) return undefined;
      out.push(c);
    }
    return out;
  }
  if (typeof value !== 'object') return undefined;
  const obj = value as Record<string, unknown>;
  const out: Canonical = {};
  const ok = forEachField(set, obj.__typename, fragments, (field) => {
    const responseKey = field.alias?.value ?? field.name.value;
    if (!(responseKey in obj)) return true; // a fragment that did not apply
    const v = obj[responseKey];
    const key = fieldKey(field, variables);
    if (field.selectionSet) {
      const c = canonicalize(v, field.selectionSet, variables, fragments);
      if (c === undefined) return false;
      const prev = out[key];
      out[key] = prev && c && typeof prev === 'object' && typeof c === 'object' ? mergeCanonical(prev, c) : c;
    } else out[key] = v as Json;
    return true;
  });
  return ok ? out : undefined;
}

/** The entity as the selection asks for it, or undefined when the cached form lacks a field. */
export function project(
  cached: Json,
  set: SelectionSetNode,
  variables: Record<string, unknown>,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): unknown {
  return projectCompiled(cached, compileSelection(set, variables, fragments));
}

/** One field of a compiled selection: its canonical key, its response key, its own selection. */
export interface CompiledField {
  readonly key: string;
  readonly responseKey: string;
  readonly fields: CompiledSelection | undefined;
}
export type CompiledSelection = readonly CompiledField[];

/**
 * A selection with its fragments flattened and its fields' canonical keys computed (arguments
 * resolved with `variables`), so that projecting many entities walks no AST. Reusable for any
 * variables when `usesVariables` is false.
 */
export function compileSelection(
  set: SelectionSetNode,
  variables: Record<string, unknown>,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): CompiledSelection {
  const out: CompiledField[] = [];
  forEachField(set, undefined, fragments, (field) => {
    out.push({
      key: fieldKey(field, variables),
      responseKey: field.alias?.value ?? field.name.value,
      fields: field.selectionSet ? compileSelection(field.selectionSet, variables, fragments) : undefined,
    });
    return true;
  });
  return out;
}

/** Whether a field argument anywhere in the selection refers to a variable. */
export function usesVariables(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): boolean {
  let found = false;
  forEachField(set, undefined, fragments, (field) => {
    found =
      (field.arguments ?? []).some((a) => hasVariable(a.value)) ||
      (field.selectionSet !== undefined && usesVariables(field.selectionSet, fragments));
    return !found;
  });
  return found;
}

function hasVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(hasVariable);
  if (value.kind === Kind.OBJECT) return value.fields.some((f) => hasVariable(f.value));
  return false;
}

/** `project` with a compiled selection. */
export function projectCompiled(cached: Json, fields: CompiledSelection): unknown {
  if (cached === null) return null;
  if (Array.isArray(cached)) {
    const out: unknown[] = new Array(cached.length);
    for (let i = 0; i < cached.length; i++) {
      const p = projectCompiled(cached[i]!, fields);
      if (p === undefined) return undefined;
      out[i] = p;
    }
    return out;
  }
  if (typeof cached !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (!Object.hasOwn(cached, field.key)) return undefined;
    const v = cached[field.key]!;
    if (field.fields) {
      const p = projectCompiled(v, field.fields);
      if (p === undefined) return undefined;
      out[field.responseKey] = p;
    } else out[field.responseKey] = v;
  }
  return out;
}

/**
 * Deep merge of two canonical forms of one entity (fields of `b` win). Lists of the same length
 * whose elements agree on `id` (when both have one) are merged element by element, so two
 * queries selecting different fields of the same list both end up served; otherwise `b` wins.
 */
export function mergeCanonical(a: Json, b: Json): Json {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return b;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      if (isObject(x) && isObject(y) && 'id' in x && 'id' in y && x.id !== y.id) return b;
      if (isObject(x) !== isObject(y)) return b;
    }
    return b.map((y, i) => mergeCanonical(a[i]!, y));
  }
  if (!isObject(a) || !isObject(b)) return b;
  const out: Canonical = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = prev !== undefined ? mergeCanonical(prev, v) : v;
  }
  return out;
}

function isObject(v: Json | undefined): v is Canonical {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The policy of an entity fetch of one type: the type's hint, narrowed by the hints of the fields
 * selected (and of the composite types they return); a field without hint inherits.
 */
export function entityPolicy(
  type: string,
  set: SelectionSetNode,
  hints: CacheHintIndex,
  defaultMaxAge: number,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): ResponsePolicy {
  const typeHint = hints.typeHint(type);
  let policy: ResponsePolicy = {
    maxAge: typeHint?.maxAge ?? defaultMaxAge,
    scope: typeHint?.scope ?? 'public',
    noStore: false,
  };
  forEachField(set, type, fragments, (field) => {
    const h = hints.fieldHint(type, field.name.value);
    if (h)
      policy = mergePolicies(policy, {
        maxAge: h.maxAge ?? policy.maxAge,
        scope: h.scope ?? 'public',
        noStore: false,
      });
    return true;
  });
  return mergePolicies(policy, policy);
}
