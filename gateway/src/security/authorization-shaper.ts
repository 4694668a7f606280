import type {
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLFormattedError,
  GraphQLObjectType,
  GraphQLOutputType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
} from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import { conditionApplies, isIncluded, type VariableValues } from '../limits/operation-values.js';
import { fieldDenial, RUNTIME_TYPE_ALIAS } from './authorization-filter.js';
import { type Denial, type DenyFn, denialMessage } from './authorization-requirements.js';

const { getNamedType, isCompositeType, isLeafType, isListType, isNonNullType, isObjectType } = graphqlJs;

/** Most authorization errors one response carries; the data is nulled past it all the same. */
export const MAX_AUTHORIZATION_ERRORS = 100;

/** One occurrence of a field in the original operation, with the denial of the fragments around it. */
interface Entry {
  readonly node: FieldNode;
  /** The type the field is selected through (an interface, or the object type). */
  readonly parent: GraphQLCompositeType;
  /** Set when a fragment or field around it is on a denied type: everything under it is denied. */
  readonly denied: Denial | undefined;
}

type Path = readonly (string | number)[];

const PROPAGATE = Symbol('null propagates to the parent');

export interface ShapedResponse {
  readonly data: Record<string, unknown> | null;
  readonly errors: readonly GraphQLFormattedError[];
}

/**
 * Gives the response the shape of the operation the client sent, from the data of the filtered
 * operation that ran (`filterOperation`): every field the caller may not see on an object is
 * null with an UNAUTHENTICATED or FORBIDDEN error at its path — judged on the object's runtime
 * type, so an object of a denied type inside a list of a union or interface gets its fields
 * nulled while its neighbours keep theirs — and nulls propagate through non-null positions as
 * execution would have propagated a resolver's error. `RUNTIME_TYPE_ALIAS` is dropped. Fields the
 * client's operation selects but no object holds (a fragment on a type that never occurred) add
 * no error: nothing was withheld.
 */
export function shapeResponse(
  data: Readonly<Record<string, unknown>>,
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: VariableValues,
  deny: DenyFn,
): ShapedResponse {
  const root = schema.getRootType(operation.operation)!;
  const errors: GraphQLFormattedError[] = [];
  const collected = new WeakMap<readonly Entry[], Map<string, Map<string, Entry[]>>>();
  const rootEntries: readonly Entry[] = [];

  const error = (denial: Denial, path: Path, node: FieldNode): void => {
    if (errors.length >= MAX_AUTHORIZATION_ERRORS) return;
    const { requirement } = denial;
    const loc = node.loc?.startToken;
    errors.push({
      message: denialMessage(denial),
      ...(loc ? { locations: [{ line: loc.line, column: loc.column }] } : {}),
      path: [...path],
      extensions: {
        code: denial.code,
        coordinate: requirement.coordinate,
        ...(requirement.scopes ? { requiredScopes: requirement.scopes } : {}),
      },
    });
  };

  const collectInto = (
    selections: readonly SelectionNode[],
    scope: GraphQLCompositeType,
    runtime: GraphQLObjectType,
    denied: Denial | undefined,
    out: Map<string, Entry[]>,
    visited: Set<string>,
  ): void => {
    for (const sel of selections) {
      if (!isIncluded(sel, variables)) continue;
      if (sel.kind === 'Field') {
        const key = sel.alias?.value ?? sel.name.value;
        const entry = { node: sel, parent: scope, denied };
        const list = out.get(key);
        if (list) list.push(entry);
        else out.set(key, [entry]);
        continue;
      }
      let condition: GraphQLCompositeType | undefined;
      let inner: readonly SelectionNode[];
      let named = false;
      if (sel.kind === 'InlineFragment') {
        condition = sel.typeCondition
          ? (schema.getType(sel.typeCondition.name.value) as GraphQLCompositeType | undefined)
          : scope;
        inner = sel.selectionSet.selections;
        named = sel.typeCondition !== undefined;
      } else {
        const frag = fragments.get(sel.name.value);
        // As graphql-js collects fields, a fragment counts once per object (and denial context).
        const seen = `${sel.name.value}\u0000${denied?.requirement.coordinate ?? ''}`;
        if (!frag || visited.has(seen)) continue;
        visited.add(seen);
        condition = schema.getType(frag.typeCondition.name.value) as GraphQLCompositeType | undefined;
        inner = frag.selectionSet.selections;
        named = true;
      }
      if (!condition || !conditionApplies(schema, condition, runtime)) continue;
      collectInto(
        inner,
        condition,
        runtime,
        denied ?? (named ? deny(condition.name) : undefined),
        out,
        visited,
      );
    }
  };

  /** The fields of `entries`' selections that apply to `runtime`, by response key (memoized). */
  const fieldsOf = (entries: readonly Entry[], runtime: GraphQLObjectType): Map<string, Entry[]> => {
    let byType = collected.get(entries);
    if (!byType) {
      byType = new Map();
      collected.set(entries, byType);
    }
    let fields = byType.get(runtime.name);
    if (!fields) {
      fields = new Map();
      const visited = new Set<string>();
      if (entries === rootEntries)
        collectInto(operation.selectionSet.selections, root, runtime, undefined, fields, visited);
      for (const e of entries) {
        if (!e.node.selectionSet) continue;
        const def = 'getFields' in e.parent ? e.parent.getFields()[e.node.name.value] : undefined;
        const returns = def ? getNamedType(def.type) : undefined;
        const scope = returns && isCompositeType(returns) ? returns : runtime;
        collectInto(e.node.selectionSet.selections, scope, runtime, e.denied, fields, visited);
      }
      byType.set(runtime.name, fields);
    }
    return fields;
  };

  const completeObject = (
    value: Record<string, unknown>,
    type: GraphQLCompositeType,
    entries: readonly Entry[],
    path: Path,
  ): Record<string, unknown> | null => {
    let runtime: GraphQLObjectType | undefined;
    if (isObjectType(type)) runtime = type;
    else {
      const name = value[RUNTIME_TYPE_ALIAS] ?? value.__typename;
      const t = typeof name === 'string' ? schema.getType(name) : undefined;
      if (isObjectType(t)) runtime = t;
    }
    if (!runtime) {
      const { [RUNTIME_TYPE_ALIAS]: _, ...rest } = value;
      return rest;
    }
    const out: Record<string, unknown> = {};
    // As graphql-js executes: the first null in a non-null field nulls the object, and the
    // object's remaining fields are not completed (so report no further errors).
    for (const [key, group] of fieldsOf(entries, runtime)) {
      const node = group[0]!.node;
      const name = node.name.value;
      if (name === '__typename') {
        out[key] = runtime.name;
        continue;
      }
      const def = runtime.getFields()[name];
      if (name.startsWith('__') || !def) {
        if (key in value) out[key] = value[key];
        continue;
      }
      const open = group.filter((e) => !e.denied);
      const denial =
        open.length === 0
          ? group[0]!.denied
          : fieldDenial(
              deny,
              runtime,
              open.map((e) => e.parent),
              name,
            );
      const at = [...path, key];
      if (denial) {
        error(denial, at, node);
        if (isNonNullType(def.type)) return null;
        out[key] = null;
        continue;
      }
      if (!(key in value)) continue;
      const completed = complete(value[key], def.type, group, at);
      if (completed === PROPAGATE) return null;
      out[key] = completed;
    }
    return out;
  };

  const complete = (
    value: unknown,
    type: GraphQLOutputType,
    entries: readonly Entry[],
    path: Path,
  ): unknown | typeof PROPAGATE => {
    if (isNonNullType(type)) {
      const inner = complete(value, type.ofType, entries, path);
      return inner === null ? PROPAGATE : inner;
    }
    if (value === null || value === undefined) return null;
    if (isListType(type)) {
      if (!Array.isArray(value)) return value;
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        const item = complete(value[i], type.ofType, entries, [...path, i]);
        if (item === PROPAGATE) return null;
        out.push(item);
      }
      return out;
    }
    if (isLeafType(type) || typeof value !== 'object') return value;
    return completeObject(value as Record<string, unknown>, type, entries, path);
  };

  const shaped = completeObject(data as Record<string, unknown>, root, rootEntries, []);
  return { data: shaped, errors };
}
