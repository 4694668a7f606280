import type { DocumentNode, GraphQLSchema, SelectionSetNode } from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { CacheControls } from './cache-controls.js';
import { mergePolicies, NO_STORE, type ResponsePolicy } from './cache-policy.js';

const { Kind, parse, getNamedType, isCompositeType, isObjectType, isAbstractType, typeFromAST } = graphqlJs;

/** One `@cacheControl(maxAge:, scope:, inheritMaxAge:)` application. */
export interface CacheHint {
  readonly maxAge?: number;
  readonly scope?: 'public' | 'private';
  readonly inheritMaxAge?: boolean;
}

/**
 * What the supergraph says about caching: the `@cacheControl` hints subgraphs declared (composed
 * into the supergraph with `@composeDirective`) on types and fields, and each entity type's
 * simple key field (from `@join__type(key:)`), used to name entities in tags.
 */
export class CacheHintIndex {
  readonly #types = new Map<string, CacheHint>();
  readonly #fields = new Map<string, CacheHint>();
  readonly #keys = new Map<string, string>();
  /** Each abstract type's possible object types (union members, interface implementations). */
  readonly #possible = new Map<string, Set<string>>();

  static empty(): CacheHintIndex {
    return new CacheHintIndex();
  }

  /** Reads the hints and keys from a supergraph SDL (unknown directives are ignored). */
  static fromSupergraph(sdl: string): CacheHintIndex {
    const index = new CacheHintIndex();
    const doc = parse(sdl, { noLocation: true });
    for (const def of doc.definitions) {
      if (
        def.kind !== Kind.OBJECT_TYPE_DEFINITION &&
        def.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
        def.kind !== Kind.UNION_TYPE_DEFINITION &&
        def.kind !== Kind.OBJECT_TYPE_EXTENSION &&
        def.kind !== Kind.INTERFACE_TYPE_EXTENSION
      )
        continue;
      const typeName = def.name.value;
      if (def.kind === Kind.UNION_TYPE_DEFINITION)
        index.#possible.set(typeName, new Set((def.types ?? []).map((t) => t.name.value)));
      if (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION)
        for (const i of def.interfaces ?? []) {
          const members = index.#possible.get(i.name.value) ?? new Set<string>();
          members.add(typeName);
          index.#possible.set(i.name.value, members);
        }
      for (const d of def.directives ?? []) {
        if (d.name.value === 'cacheControl') index.#types.set(typeName, hintOf(d.arguments ?? []));
        if (d.name.value === 'join__type' && !index.#keys.has(typeName)) {
          const key = d.arguments?.find((a) => a.name.value === 'key');
          if (key?.value.kind === Kind.STRING && /^\s*\w+\s*$/.test(key.value.value))
            index.#keys.set(typeName, key.value.value.trim());
        }
      }
      if (def.kind === Kind.UNION_TYPE_DEFINITION) continue;
      for (const field of def.fields ?? []) {
        const d = field.directives?.find((x) => x.name.value === 'cacheControl');
        if (d) index.#fields.set(`${typeName}.${field.name.value}`, hintOf(d.arguments ?? []));
      }
    }
    return index;
  }

  typeHint(type: string): CacheHint | undefined {
    return this.#types.get(type);
  }

  fieldHint(type: string, field: string): CacheHint | undefined {
    return this.#fields.get(`${type}.${field}`);
  }

  /**
   * Whether an object of one type can be of the other: their possible object types meet (a type
   * the index does not know as abstract is an object type). An `_entities` fetch for an entity
   * interface (`@interfaceObject`) sends representations typed by the interface and selects
   * `... on Book` for those that turn out to be books.
   */
  overlaps(a: string, b: string): boolean {
    if (a === b) return true;
    const pa = this.#possible.get(a) ?? new Set([a]);
    const pb = this.#possible.get(b) ?? new Set([b]);
    for (const t of pa) if (pb.has(t)) return true;
    return false;
  }

  /** The single key field of an entity type (`id`, `upc`), when it has a simple one. */
  keyField(type: string): string | undefined {
    return this.#keys.get(type);
  }
}

type ArgumentList = NonNullable<import('graphql').DirectiveNode['arguments']>;

function hintOf(args: ArgumentList): CacheHint {
  let maxAge: number | undefined;
  let scope: 'public' | 'private' | undefined;
  let inheritMaxAge: boolean | undefined;
  for (const a of args) {
    if (a.name.value === 'maxAge' && a.value.kind === Kind.INT) maxAge = Number(a.value.value);
    if (a.name.value === 'scope' && a.value.kind === Kind.ENUM)
      scope = a.value.value === 'PRIVATE' ? 'private' : 'public';
    if (a.name.value === 'inheritMaxAge' && a.value.kind === Kind.BOOLEAN) inheritMaxAge = a.value.value;
  }
  return { maxAge, scope, inheritMaxAge };
}

/** The static policy of an operation and the types it can return (broad tags). */
export interface OperationCachePlan {
  readonly policy: ResponsePolicy;
  readonly types: readonly string[];
}

/**
 * The policy of an operation from the schema hints alone, computed like Apollo's cache control:
 * every root field and every field returning a composite type contributes its own hint, else
 * its type's hint, else (with `inheritMaxAge`) nothing, else the default max-age; a scalar field
 * contributes only a hint of its own. The result is the restrictive merge of all contributions,
 * capped by the controls (per-type switches and caps). Mutations and subscriptions: no-store.
 */
export function planOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  hints: CacheHintIndex,
  controls: CacheControls,
): OperationCachePlan {
  const operation = document.definitions.find(
    (d) =>
      d.kind === Kind.OPERATION_DEFINITION &&
      (operationName === undefined || d.name?.value === operationName),
  );
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query')
    return { policy: NO_STORE, types: [] };
  const fragments = new Map<string, import('graphql').FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let policy: ResponsePolicy = { maxAge: controls.maxAgeCap, scope: 'public', noStore: false };
  const types = new Set<string>();
  const contribute = (hint: CacheHint | undefined, fallback: number | undefined): void => {
    const maxAge = hint?.maxAge ?? fallback;
    if (maxAge !== undefined) policy = mergePolicies(policy, { maxAge, scope: 'public', noStore: false });
    if (hint?.scope === 'private') policy = mergePolicies(policy, { ...policy, scope: 'private' });
  };
  const visit = (
    parent: import('graphql').GraphQLCompositeType,
    selectionSet: SelectionSetNode,
    root: boolean,
    seen: Set<string>,
  ): void => {
    for (const sel of selectionSet.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition ? typeFromAST(schema, sel.typeCondition) : parent;
        if (cond && isCompositeType(cond)) visit(cond, sel.selectionSet, root, seen);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value);
        if (!frag || seen.has(frag.name.value)) continue;
        const cond = typeFromAST(schema, frag.typeCondition);
        if (cond && isCompositeType(cond))
          visit(cond, frag.selectionSet, root, new Set([...seen, frag.name.value]));
        continue;
      }
      const name = sel.name.value;
      if (name.startsWith('__')) continue;
      if (isAbstractType(parent)) {
        // A field of an interface: its hint, else the possible types' field hints.
        const impls = schema.getPossibleTypes(parent);
        for (const impl of impls) visitField(impl, sel, root, seen);
        if (impls.length === 0) visitField(parent, sel, root, seen);
      } else visitField(parent, sel, root, seen);
    }
  };
  const visitField = (
    parent: import('graphql').GraphQLCompositeType,
    sel: import('graphql').FieldNode,
    root: boolean,
    seen: Set<string>,
  ): void => {
    if (isAbstractType(parent) && !('getFields' in parent)) return;
    const def = (parent as import('graphql').GraphQLObjectType).getFields()[sel.name.value];
    if (!def) return;
    const named = getNamedType(def.type);
    const own = hints.fieldHint(parent.name, sel.name.value);
    if (isCompositeType(named)) {
      const typeNames = isAbstractType(named)
        ? schema.getPossibleTypes(named).map((t) => t.name)
        : [named.name];
      for (const t of typeNames) {
        types.add(t);
        const cap = controls.typeMaxAge(t);
        if (cap !== undefined) contribute({ maxAge: cap }, undefined);
      }
      const typeHint = hints.typeHint(named.name);
      const hint = own ?? typeHint;
      const inherits = hint?.inheritMaxAge === true && hint.maxAge === undefined;
      // A field of a composite type without any hint gets the default (Apollo: 0).
      contribute(hint, root || !inherits ? controls.defaultMaxAge : undefined);
      if (isObjectType(named) && !own && typeHint?.scope === 'private')
        contribute({ scope: 'private' }, undefined);
      if (sel.selectionSet) visit(named, sel.selectionSet, false, seen);
    } else {
      contribute(own, root ? controls.defaultMaxAge : undefined);
    }
  };
  const rootType = schema.getQueryType();
  if (!rootType) return { policy: NO_STORE, types: [] };
  visit(rootType, operation.selectionSet, true, new Set());
  return { policy: mergePolicies(policy, policy), types: [...types] };
}
