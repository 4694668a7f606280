import type {
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLObjectType,
  OperationDefinitionNode,
  SelectionNode,
} from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { CostModel } from './estimate-cost.js';
import { MUTATION_BASE_COST } from './estimate-cost.js';
import { conditionApplies, isIncluded, type VariableValues } from './operation-values.js';

const { getNamedType, isCompositeType, isObjectType } = graphqlJs;

interface ResponseField {
  readonly nodes: FieldNode[];
  readonly parent: GraphQLCompositeType;
  /** The nodes' sub-selections as one list, made once (its identity keys the memo). */
  merged?: readonly SelectionNode[];
}

/**
 * The cost of what a response actually holds, by the same weights as `estimateCost`: every
 * object present costs its field's (or type's) weight, a scalar its `@cost` weight if any, and a
 * list the sum of its items, counted at their real length. Measured after execution, so it can
 * only be reported (or compared with the estimate), never used to refuse: the work is done.
 *
 * The response is walked by its own keys: a key is matched to the operation's field with that
 * response key, on the object's `__typename` when the response has it, else on any branch.
 */
export function measureActualCost(
  data: Readonly<Record<string, unknown>> | null | undefined,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: VariableValues,
  model: CostModel,
): number {
  const { schema, directives } = model;
  const root = schema.getRootType(operation.operation);
  if (!root || !data) return 0;
  const memo = new WeakMap<readonly SelectionNode[], Map<string, Map<string, ResponseField>>>();

  const collect = (
    selections: readonly SelectionNode[],
    parent: GraphQLCompositeType,
    runtime: GraphQLObjectType | undefined,
    out: Map<string, ResponseField>,
    seen: Set<string>,
  ): void => {
    for (const sel of selections) {
      if (!isIncluded(sel, variables)) continue;
      if (sel.kind === 'Field') {
        const key = sel.alias?.value ?? sel.name.value;
        const entry = out.get(key);
        if (entry) entry.nodes.push(sel);
        else out.set(key, { nodes: [sel], parent });
        continue;
      }
      let condition: GraphQLCompositeType | undefined = parent;
      let inner: readonly SelectionNode[];
      if (sel.kind === 'InlineFragment') {
        if (sel.typeCondition)
          condition = schema.getType(sel.typeCondition.name.value) as GraphQLCompositeType | undefined;
        inner = sel.selectionSet.selections;
      } else {
        const frag = fragments.get(sel.name.value);
        if (!frag || seen.has(sel.name.value)) continue;
        seen.add(sel.name.value);
        condition = schema.getType(frag.typeCondition.name.value) as GraphQLCompositeType | undefined;
        inner = frag.selectionSet.selections;
      }
      if (!condition || (runtime && !conditionApplies(schema, condition, runtime))) continue;
      collect(inner, condition, runtime, out, seen);
    }
  };

  const fieldsOf = (
    selections: readonly SelectionNode[],
    parent: GraphQLCompositeType,
    runtime: GraphQLObjectType | undefined,
  ): Map<string, ResponseField> => {
    let byType = memo.get(selections);
    if (!byType) {
      byType = new Map();
      memo.set(selections, byType);
    }
    const key = `${parent.name}\u0000${runtime?.name ?? ''}`;
    let fields = byType.get(key);
    if (!fields) {
      fields = new Map();
      collect(selections, parent, runtime, fields, new Set());
      byType.set(key, fields);
    }
    return fields;
  };

  const objectCost = (
    value: Record<string, unknown>,
    selections: readonly SelectionNode[],
    type: GraphQLCompositeType,
  ): number => {
    let runtime: GraphQLObjectType | undefined;
    if (isObjectType(type)) runtime = type;
    else if (typeof value.__typename === 'string') {
      const t = schema.getType(value.__typename);
      if (isObjectType(t)) runtime = t;
    }
    let total = 0;
    for (const [key, field] of fieldsOf(selections, runtime ?? type, runtime)) {
      if (!(key in value)) continue;
      const node = field.nodes[0]!;
      const name = node.name.value;
      if (name.startsWith('__')) continue;
      const parent = runtime ?? field.parent;
      if (!('getFields' in parent)) continue;
      const def = parent.getFields()[name];
      if (!def) continue;
      const named = getNamedType(def.type);
      const weight =
        directives.weight(`${parent.name}.${name}`) ??
        directives.weight(`${field.parent.name}.${name}`) ??
        directives.weight(named.name) ??
        (isCompositeType(named) ? 1 : 0);
      field.merged ??=
        field.nodes.length === 1
          ? (node.selectionSet?.selections ?? [])
          : field.nodes.flatMap((n) => n.selectionSet?.selections ?? []);
      const sub = field.merged;
      total += valueCost(value[key], weight, isCompositeType(named) ? named : undefined, sub);
    }
    return total;
  };

  const valueCost = (
    value: unknown,
    weight: number,
    type: GraphQLCompositeType | undefined,
    selections: readonly SelectionNode[],
  ): number => {
    if (value === null || value === undefined) return 0;
    if (Array.isArray(value)) {
      let total = 0;
      for (const item of value) total += valueCost(item, weight, type, selections);
      return total;
    }
    if (type && typeof value === 'object')
      return weight + objectCost(value as Record<string, unknown>, selections, type);
    return weight;
  };

  const base = operation.operation === 'mutation' ? MUTATION_BASE_COST : 0;
  return base + objectCost(data as Record<string, unknown>, operation.selectionSet.selections, root);
}
