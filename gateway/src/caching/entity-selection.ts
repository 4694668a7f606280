import type { DirectiveNode, FieldNode, FragmentDefinitionNode, SelectionSetNode, ValueNode } from 'graphql';
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
  /**
   * The selection applied to an entity whose representation has this type: the fragments on the
   * type and on every type condition `applies` says an object of it can satisfy (for an entity
   * interface, its implementations; for an object, its interfaces). Undefined without any.
   */
  selectionFor(type: string, applies?: (condition: string) => boolean): SelectionSetNode | undefined;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /**
   * The operation's variable defaults (`query($x: Boolean = true)`): a field's arguments are read
   * with these under the values sent, else `f(a: $x)` with `$x` left to its default would be keyed
   * like `f` without the argument, and served another query's answer.
   */
  readonly variableDefaults: Readonly<Record<string, unknown>>;
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
  const selectionFor = (
    type: string,
    applies?: (condition: string) => boolean,
  ): SelectionSetNode | undefined => {
    const conditions = [...byType.keys()].filter((c) => c === type || applies?.(c));
    if (conditions.length === 0) return undefined;
    return {
      kind: Kind.SELECTION_SET,
      selections: [...generic, ...conditions.flatMap((c) => byType.get(c)!.flatMap((s) => s.selections))],
    };
  };
  const variableDefaults: Record<string, unknown> = {};
  for (const v of op.variableDefinitions ?? [])
    if (v.defaultValue) variableDefaults[v.variable.name.value] = valueFromASTUntyped(v.defaultValue);
  return {
    variableDefaults,
    variable: arg.value.name.value,
    responseKey: root.alias?.value ?? '_entities',
    selectionFor,
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

/**
 * Whether a selection is asked for: `@skip(if:)` / `@include(if:)` read with the fetch's
 * variables. The planner keeps these directives in subgraph fetches, and a subgraph leaves out
 * what they exclude; a cached entity must be projected the same way, or it would hand the plan a
 * field the subgraph would not have sent (a `@requires` representation then completes, and a
 * field vanilla Apollo Gateway leaves null gets a value). Without variables (a selection looked
 * at for its shape only), everything is.
 */
function isIncluded(
  node: { readonly directives?: readonly DirectiveNode[] | undefined },
  variables: Record<string, unknown> | undefined,
): boolean {
  if (!variables || !node.directives?.length) return true;
  for (const d of node.directives) {
    const name = d.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const arg = d.arguments?.find((a) => a.name.value === 'if');
    const value = arg ? valueFromASTUntyped(arg.value, variables) : undefined;
    if (name === 'skip' && value === true) return false;
    if (name === 'include' && value === false) return false;
  }
  return true;
}

/**
 * Visits the fields of a selection set, flattening fragments; with `variables`, only the
 * selections `@skip`/`@include` leave in.
 */
function forEachField(
  set: SelectionSetNode,
  variables: Record<string, unknown> | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  fn: (field: FieldNode) => boolean,
): boolean {
  for (const sel of set.selections) {
    if (!isIncluded(sel, variables)) continue;
    if (sel.kind === Kind.FIELD) {
      if (!fn(sel)) return false;
      continue;
    }
    // Fragments are always descended: canonicalize stores the fields that are present, and
    // project needs every field of a fragment, so a fragment that may not apply costs a miss,
    // never a wrong answer.
    const inner =
      sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : fragments.get(sel.name.value)?.selectionSet;
    if (inner && !forEachField(inner, variables, fragments, fn)) return false;
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
  const ok = forEachField(set, variables, fragments, (field) => {
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
  forEachField(set, variables, fragments, (field) => {
    const compiled: CompiledField = {
      key: fieldKey(field, variables),
      responseKey: field.alias?.value ?? field.name.value,
      fields: field.selectionSet ? compileSelection(field.selectionSet, variables, fragments) : undefined,
    };
    // One response key selected twice (the planner keeps `f { a }` and `f @include(if: $x) { b }`
    // apart) is one field of the answer with both selections: projecting them one after the
    // other would overwrite the first with the second's narrower object.
    const i = out.findIndex((f) => f.responseKey === compiled.responseKey && f.key === compiled.key);
    if (i < 0) out.push(compiled);
    else out[i] = mergeCompiled(out[i]!, compiled);
    return true;
  });
  return out;
}

function mergeCompiled(a: CompiledField, b: CompiledField): CompiledField {
  if (!a.fields || !b.fields) return a;
  const fields = [...a.fields];
  for (const f of b.fields) {
    const i = fields.findIndex((x) => x.responseKey === f.responseKey && x.key === f.key);
    if (i < 0) fields.push(f);
    else fields[i] = mergeCompiled(fields[i]!, f);
  }
  return { ...a, fields };
}

/** Whether a field argument or a `@skip`/`@include` condition anywhere in the selection refers to a variable. */
export function usesVariables(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): boolean {
  const directivesUse = (node: { readonly directives?: readonly DirectiveNode[] | undefined }) =>
    (node.directives ?? []).some((d) => (d.arguments ?? []).some((a) => hasVariable(a.value)));
  for (const sel of set.selections) {
    if (directivesUse(sel)) return true;
    if (sel.kind === Kind.FIELD) {
      if ((sel.arguments ?? []).some((a) => hasVariable(a.value))) return true;
      if (sel.selectionSet && usesVariables(sel.selectionSet, fragments)) return true;
      continue;
    }
    const fragment = sel.kind === Kind.INLINE_FRAGMENT ? sel : fragments.get(sel.name.value);
    if (fragment && sel.kind === Kind.FRAGMENT_SPREAD && directivesUse(fragment)) return true;
    if (fragment && usesVariables(fragment.selectionSet, fragments)) return true;
  }
  return false;
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
  forEachField(set, undefined, fragments, (field) => {
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
