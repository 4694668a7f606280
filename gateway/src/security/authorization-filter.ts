import type {
  DefinitionNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLObjectType,
  GraphQLSchema,
  InlineFragmentNode,
  OperationDefinitionNode,
  SelectionNode,
} from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import { possibleTypes } from '../limits/operation-values.js';
import type { Denial, DenyFn } from './authorization-requirements.js';

const { getNamedType, isAbstractType, isCompositeType, print, visit } = graphqlJs;

/**
 * The alias under which the filtered operation asks `__typename` of every object of an abstract
 * type: the response shaper needs each object's runtime type to tell which of the original
 * operation's fields apply to it, and whether its type is one the caller may see.
 */
export const RUNTIME_TYPE_ALIAS = '_igAuthzTypename_';

/** One part of the operation the caller may not see. `path` is by response keys (informative). */
export interface Removal {
  readonly denial: Denial;
  readonly path: readonly string[];
}

export type FilteredOperation =
  | { readonly changed: false }
  | {
      readonly changed: true;
      /** The operation to execute instead: only what the caller may see. */
      readonly query: string;
      readonly removals: readonly Removal[];
    };

interface Scope {
  /** The type the selections are written against. */
  readonly type: GraphQLCompositeType;
  /** The object types a value here can have at run time. */
  readonly runtime: readonly GraphQLObjectType[];
}

const typenameField = (alias: string | undefined): FieldNode => ({
  kind: 'Field' as FieldNode['kind'],
  ...(alias ? { alias: { kind: 'Name' as never, value: alias } } : {}),
  name: { kind: 'Name' as never, value: '__typename' },
});

const inlineOn = (type: string, selections: readonly SelectionNode[]): InlineFragmentNode => ({
  kind: 'InlineFragment' as InlineFragmentNode['kind'],
  typeCondition: { kind: 'NamedType' as never, name: { kind: 'Name' as never, value: type } },
  selectionSet: { kind: 'SelectionSet' as never, selections },
});

/**
 * The denial of field `name` on objects of `runtime` selected through `parent`: the field's own
 * requirement (on the object type and on the type it was selected through, e.g. an interface),
 * the requirement of the object's type, and that of the type the field returns.
 */
export function fieldDenial(
  deny: DenyFn,
  runtime: GraphQLObjectType,
  parents: readonly GraphQLCompositeType[],
  name: string,
): Denial | undefined {
  const def = runtime.getFields()[name];
  let d = deny(`${runtime.name}.${name}`) ?? deny(runtime.name);
  for (const p of parents) if (!d && p !== runtime) d = deny(`${p.name}.${name}`);
  if (!d && def) d = deny(getNamedType(def.type).name);
  for (const p of parents) {
    if (d || p === runtime || !('getFields' in p)) continue;
    const declared = p.getFields()[name];
    if (declared) d = deny(getNamedType(declared.type).name);
  }
  return d;
}

/**
 * Rewrites the selected operation so it asks only for what one identity (class) may see, as
 * Apollo Router's authorization plugin does before planning: fields denied by their own
 * requirement or by the type they return, and inline or named fragments on a denied type, are
 * removed. An abstract selection is judged per possible runtime type: a field allowed on some
 * possible types and denied on others is kept under `... on Allowed` fragments only, so the
 * subgraphs are never asked for a denied type's data (no `_entities` fetch for it either), and
 * every object of an abstract type also reports its runtime type (`RUNTIME_TYPE_ALIAS`).
 *
 * The result executes as a valid operation: named fragments are re-emitted per runtime-type set
 * they are used under (`F__ig1`, linear in the document, so fragment fan-out cannot blow it up),
 * fields whose whole selection was removed keep a `__typename`, unused variables are dropped,
 * and an operation left with no field asks only `__typename`. Returns `changed: false` when the
 * identity may see everything, so the original operation runs untouched.
 */
export function filterOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  deny: DenyFn,
): FilteredOperation {
  const root = schema.getRootType(operation.operation);
  if (!root) return { changed: false };
  const removals: Removal[] = [];
  const emitted = new Map<string, FragmentDefinitionNode>();
  const variants = new Map<string, string | undefined>();
  const subselections = new Map<FieldNode, Map<string, string>>();
  const taken = new Set(fragments.keys());
  const freshName = (base: string): string => {
    let i = 1;
    while (taken.has(`${base}__ig${i}`)) i++;
    const name = `${base}__ig${i}`;
    taken.add(name);
    return name;
  };

  const filterField = (
    node: FieldNode,
    returns: GraphQLCompositeType | undefined,
    path: string[],
  ): FieldNode => {
    if (!node.selectionSet || !returns) return node;
    let selections = filterSelections(
      node.selectionSet.selections,
      { type: returns, runtime: possibleTypes(schema, returns) },
      path,
    );
    if (isAbstractType(returns) || selections.length === 0)
      selections = [typenameField(RUNTIME_TYPE_ALIAS), ...selections];
    return { ...node, selectionSet: { ...node.selectionSet, selections } };
  };

  /** A partial field's selection as a generated fragment, made once per (field, type): linear output. */
  const sharedSubselection = (node: FieldNode, returns: GraphQLCompositeType, path: string[]): FieldNode => {
    if (!node.selectionSet) return node;
    let byType = subselections.get(node);
    if (!byType) {
      byType = new Map();
      subselections.set(node, byType);
    }
    let name = byType.get(returns.name);
    if (!name) {
      const filtered = filterField(node, returns, path);
      name = freshName(`IgAuthz${returns.name}`);
      byType.set(returns.name, name);
      emitted.set(name, {
        kind: 'FragmentDefinition' as FragmentDefinitionNode['kind'],
        name: { kind: 'Name' as never, value: name },
        typeCondition: { kind: 'NamedType' as never, name: { kind: 'Name' as never, value: returns.name } },
        selectionSet: filtered.selectionSet!,
      });
    }
    return {
      ...node,
      selectionSet: {
        kind: 'SelectionSet' as never,
        selections: [{ kind: 'FragmentSpread' as never, name: { kind: 'Name' as never, value: name } }],
      },
    };
  };

  const fragmentVariant = (
    frag: FragmentDefinitionNode,
    scope: Scope,
    path: string[],
  ): string | undefined => {
    // Re-emitted under a new name even when nothing in it is denied: its abstract fields must
    // report their runtime type too. One variant per runtime-type set it is used under.
    const key = `${frag.name.value}\u0000${scope.runtime.map((t) => t.name).join(',')}`;
    if (variants.has(key)) return variants.get(key);
    const selections = filterSelections(frag.selectionSet.selections, scope, path);
    const name = selections.length > 0 ? freshName(frag.name.value) : undefined;
    variants.set(key, name);
    if (name)
      emitted.set(name, {
        ...frag,
        name: { ...frag.name, value: name },
        selectionSet: { ...frag.selectionSet, selections },
      });
    return name;
  };

  const filterSelections = (
    selections: readonly SelectionNode[],
    scope: Scope,
    path: string[],
  ): SelectionNode[] => {
    const out: SelectionNode[] = [];
    const partial = new Map<GraphQLObjectType, FieldNode[]>();
    const remove = (denial: Denial, at: string[]): void => {
      removals.push({ denial, path: at });
    };
    for (const sel of selections) {
      if (sel.kind === 'Field') {
        const name = sel.name.value;
        const fields = 'getFields' in scope.type ? scope.type.getFields() : undefined;
        const declared = fields?.[name];
        if (name.startsWith('__') || !declared) {
          out.push(sel); // __typename, introspection, or invalid (validation will say so)
          continue;
        }
        const at = [...path, sel.alias?.value ?? name];
        const allowed: GraphQLObjectType[] = [];
        let denial: Denial | undefined;
        for (const t of scope.runtime) {
          const d = fieldDenial(deny, t, [scope.type], name);
          if (d) denial ??= d;
          else allowed.push(t);
        }
        if (!denial) {
          const returns = getNamedType(declared.type);
          out.push(filterField(sel, isCompositeType(returns) ? returns : undefined, at));
        } else {
          remove(denial, at);
          for (const t of allowed) {
            const own = getNamedType(t.getFields()[name]!.type);
            const field = isCompositeType(own) ? sharedSubselection(sel, own, at) : sel;
            const list = partial.get(t);
            if (list) list.push(field);
            else partial.set(t, [field]);
          }
        }
      } else if (sel.kind === 'InlineFragment') {
        const condition = sel.typeCondition
          ? (schema.getType(sel.typeCondition.name.value) as GraphQLCompositeType | undefined)
          : scope.type;
        if (!condition || !isCompositeType(condition)) {
          out.push(sel);
          continue;
        }
        const d = sel.typeCondition ? deny(condition.name) : undefined;
        if (d) {
          remove(d, [...path, `... on ${condition.name}`]);
          continue;
        }
        const runtime = narrow(scope.runtime, possibleTypes(schema, condition));
        const inner = filterSelections(sel.selectionSet.selections, { type: condition, runtime }, path);
        if (inner.length > 0) out.push({ ...sel, selectionSet: { ...sel.selectionSet, selections: inner } });
      } else {
        const frag = fragments.get(sel.name.value);
        const condition = frag
          ? (schema.getType(frag.typeCondition.name.value) as GraphQLCompositeType | undefined)
          : undefined;
        if (!frag || !condition || !isCompositeType(condition)) {
          out.push(sel);
          continue;
        }
        const d = deny(condition.name);
        if (d) {
          remove(d, [...path, `...${frag.name.value}`]);
          continue;
        }
        const runtime = narrow(scope.runtime, possibleTypes(schema, condition));
        const variant = fragmentVariant(frag, { type: condition, runtime }, path);
        if (variant) out.push({ ...sel, name: { ...sel.name, value: variant } });
      }
    }
    for (const [type, fields] of partial) out.push(inlineOn(type.name, fields));
    return out;
  };

  const top = filterSelections(operation.selectionSet.selections, { type: root, runtime: [root] }, []);
  if (removals.length === 0) return { changed: false };
  const selections = top.length > 0 ? top : [typenameField(RUNTIME_TYPE_ALIAS)];
  const filtered: OperationDefinitionNode = {
    ...operation,
    selectionSet: { ...operation.selectionSet, selections },
  };
  const document = finish(filtered, emitted);
  return { changed: true, query: print(document), removals };
}

function narrow(
  runtime: readonly GraphQLObjectType[],
  possible: readonly GraphQLObjectType[],
): readonly GraphQLObjectType[] {
  const allowed = new Set(possible);
  return runtime.filter((t) => allowed.has(t));
}

/** The executable document: the operation, the fragments it reaches, only the variables it uses. */
function finish(
  operation: OperationDefinitionNode,
  emitted: ReadonlyMap<string, FragmentDefinitionNode>,
): DocumentNode {
  const reached = new Map<string, FragmentDefinitionNode>();
  const used = new Set<string>();
  const walk = (node: OperationDefinitionNode | FragmentDefinitionNode): void => {
    visit(node.selectionSet, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const def = emitted.get(name);
        if (def && !reached.has(name)) {
          reached.set(name, def);
          walk(def);
        }
      },
      Variable(v) {
        used.add(v.name.value);
      },
    });
  };
  walk(operation);
  const definitions: DefinitionNode[] = [
    {
      ...operation,
      variableDefinitions: operation.variableDefinitions?.filter((d) => used.has(d.variable.name.value)),
    },
    ...reached.values(),
  ];
  return { kind: 'Document' as DocumentNode['kind'], definitions };
}
