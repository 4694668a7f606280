import { entityTag } from '@intelgraph/advanced-caching';
import type {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLSchema,
  SelectionSetNode,
} from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { CacheHintIndex } from './cache-hints.js';

const { Kind, getNamedType, isCompositeType, isAbstractType, isObjectType, typeFromAST } = graphqlJs;

/**
 * The tags of a response: the object types it contains (`Entity`), then the entities it contains
 * (`Entity:<id>`) — every object whose type has a simple key field that was selected. Types come
 * first because they are the broadest (a CDN keeps the first 50). `unnamed`: keyed types of which
 * an object appeared without its key selected (it cannot be tagged from the response alone).
 */
export function responseTags(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  data: unknown,
  hints: CacheHintIndex,
): { types: string[]; entities: string[]; unnamed: string[] } {
  const types = new Set<string>();
  const entities = new Set<string>();
  const unnamed = new Set<string>();
  const operation = document.definitions.find(
    (d) =>
      d.kind === Kind.OPERATION_DEFINITION &&
      (operationName === undefined || d.name?.value === operationName),
  );
  const root = schema.getQueryType();
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION || !root || data === null)
    return { types: [], entities: [], unnamed: [] };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const visitValue = (type: GraphQLCompositeType, value: unknown, set: SelectionSetNode): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const v of value) visitValue(type, v, set);
      return;
    }
    if (typeof value !== 'object') return;
    const obj = value as Record<string, unknown>;
    let concrete: GraphQLCompositeType = type;
    if (isAbstractType(type)) {
      const t = typeof obj.__typename === 'string' ? schema.getType(obj.__typename) : undefined;
      if (t && isObjectType(t)) concrete = t;
    }
    if (isObjectType(concrete) && concrete !== root) {
      types.add(concrete.name);
      const key = hints.keyField(concrete.name);
      if (key) {
        // The key under its own name or an alias selecting it.
        const keyValue = obj[key] ?? aliasedValue(set, key, obj, fragments);
        const tag = entityTag(concrete.name, keyValue);
        if (tag) entities.add(tag);
        else unnamed.add(concrete.name);
      }
    }
    visitSet(concrete, obj, set);
  };

  const visitSet = (
    parent: GraphQLCompositeType,
    obj: Record<string, unknown>,
    set: SelectionSetNode,
  ): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition ? typeFromAST(schema, sel.typeCondition) : parent;
        if (cond && isCompositeType(cond) && applies(cond, parent)) visitSet(parent, obj, sel.selectionSet);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value);
        const cond = frag ? typeFromAST(schema, frag.typeCondition) : undefined;
        if (frag && cond && isCompositeType(cond) && applies(cond, parent))
          visitSet(parent, obj, frag.selectionSet);
        continue;
      }
      if (!sel.selectionSet || !('getFields' in parent)) continue;
      const def = parent.getFields()[sel.name.value];
      if (!def) continue;
      const named = getNamedType(def.type);
      if (isCompositeType(named))
        visitValue(named, obj[sel.alias?.value ?? sel.name.value], sel.selectionSet);
    }
  };

  const applies = (cond: GraphQLCompositeType, parent: GraphQLCompositeType): boolean =>
    cond === parent ||
    (isAbstractType(cond) && isObjectType(parent) && schema.isSubType(cond, parent)) ||
    isAbstractType(parent);

  visitSet(root, data as Record<string, unknown>, operation.selectionSet);
  return { types: [...types], entities: [...entities], unnamed: [...unnamed] };
}

function aliasedValue(
  set: SelectionSetNode,
  field: string,
  obj: Record<string, unknown>,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  depth = 0,
): unknown {
  if (depth > 8) return undefined;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD && sel.name.value === field && sel.alias) return obj[sel.alias.value];
    const inner =
      sel.kind === Kind.INLINE_FRAGMENT
        ? sel.selectionSet
        : sel.kind === Kind.FRAGMENT_SPREAD
          ? fragments.get(sel.name.value)?.selectionSet
          : undefined;
    if (inner) {
      const v = aliasedValue(inner, field, obj, fragments, depth + 1);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}
