import { IntelGraphError } from '@intelgraph/errors';
import type {
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLInputType,
  GraphQLObjectType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
} from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { CostDirectives, ListSize } from './cost-directives.js';
import {
  argumentValues,
  conditionApplies,
  isIncluded,
  possibleTypes,
  type VariableValues,
} from './operation-values.js';

const { getNamedType, getNullableType, isCompositeType, isInputObjectType, isListType, isObjectType } =
  graphqlJs;

/**
 * Arguments that bound a list when the field has no `@listSize` (schemas that do not declare
 * one, e.g. a supergraph that is not ours): their value is the list's size.
 */
export const CONVENTIONAL_SLICING_ARGUMENTS: readonly string[] = [
  'first',
  'last',
  'limit',
  'pageSize',
  'take',
];

/** A mutation costs this much before its fields, as in Apollo's demand control. */
export const MUTATION_BASE_COST = 10;

export interface CostModel {
  readonly schema: GraphQLSchema;
  readonly directives: CostDirectives;
  /** List size assumed when neither a slicing argument nor `assumedSize` bounds a list. */
  readonly defaultListSize: number;
}

/** Slicing applied to the child fields a `@listSize(sizedFields:)` names (a connection's `edges`). */
interface SizedFields {
  readonly size: number;
  readonly fields: readonly string[];
}

const CAP = Number.MAX_SAFE_INTEGER;
const capped = (n: number): number => (Number.isFinite(n) && n < CAP ? n : CAP);

/**
 * The static cost of an operation as the GraphQL cost specification (IBM) and Apollo's demand
 * control define it:
 *
 * - a field costs its `@cost(weight:)`, else its type's `@cost`, else 1 when it returns an
 *   object, interface or union and 0 when it returns a scalar or enum; `__typename` is free;
 * - a list field multiplies its own cost and its selection's by its size: the largest slicing
 *   argument given (`@listSize(slicingArguments:)`, read from the coerced arguments, so a
 *   variable's value or default and the schema's default count like a literal), else
 *   `assumedSize`, else the default list size; `sizedFields` moves that size to child lists (the
 *   `edges` of a connection sized by `first`/`last`). Without `@listSize`, `first`/`last`/`limit`/
 *   `pageSize`/`take` size a list, and a connection's `edges`/`nodes`;
 * - arguments add their `@cost` weights (input objects 1 each, as Apollo does);
 * - a selection on an abstract type costs what its most expensive possible type costs, since each
 *   object takes one branch — not the sum of the branches;
 * - a mutation adds 10.
 *
 * Variables must be coerced first (`coerceVariables`). Throws QUERY_SLICING_ARGUMENT_REQUIRED when
 * a field requires exactly one slicing argument and the operation gives none or several. Each
 * (selection, runtime type) pair is scored once, so fragment fan-out cannot make this exponential.
 */
export function estimateCost(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: VariableValues,
  model: CostModel,
): number {
  const { schema, directives, defaultListSize } = model;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const subselectionMemo = new Map<FieldNode, Map<string, number>>();
  const fragmentMemo = new Map<string, number>();

  const fieldDirective = <T>(
    type: GraphQLObjectType,
    field: string,
    read: (coordinate: string) => T | undefined,
  ): T | undefined => {
    const own = read(`${type.name}.${field}`);
    if (own !== undefined) return own;
    for (const i of type.getInterfaces()) {
      const inherited = read(`${i.name}.${field}`);
      if (inherited !== undefined) return inherited;
    }
    return undefined;
  };

  const inputCost = (value: unknown, type: GraphQLInputType, coordinate: string): number => {
    if (value === null || value === undefined) return 0;
    const nullable = getNullableType(type);
    const weight = directives.weight(coordinate);
    if (isListType(nullable)) {
      let total = weight ?? 0;
      for (const item of Array.isArray(value) ? value : [value])
        total += inputCost(item, nullable.ofType, coordinate);
      return total;
    }
    if (isInputObjectType(nullable)) {
      let total = weight ?? directives.weight(nullable.name) ?? 1;
      const fields = nullable.getFields();
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        const f = fields[name];
        if (f) total += inputCost(v, f.type, `${nullable.name}.${name}`);
      }
      return total;
    }
    return weight ?? directives.weight(getNamedType(nullable).name) ?? 0;
  };

  const listSizeOf = (
    node: FieldNode,
    declared: ListSize | undefined,
    args: Record<string, unknown>,
    coordinate: string,
  ): number | undefined => {
    const slicing = declared ? declared.slicingArguments : CONVENTIONAL_SLICING_ARGUMENTS;
    const given: number[] = [];
    for (const path of slicing) {
      let v: unknown = args;
      for (const part of path.split('.')) v = (v as Record<string, unknown> | null | undefined)?.[part];
      if (typeof v === 'number' && Number.isFinite(v)) given.push(Math.max(0, v));
    }
    if (declared?.requireOneSlicingArgument && declared.slicingArguments.length > 0 && given.length !== 1) {
      throw new IntelGraphError(
        'QUERY_SLICING_ARGUMENT_REQUIRED',
        `${coordinate} needs exactly one of its slicing arguments (${declared.slicingArguments.join(', ')}); the query gives ${given.length}`,
        {
          input: node.name.value,
          details: { coordinate, slicingArguments: declared.slicingArguments, given: given.length },
        },
      );
    }
    if (given.length > 0) return Math.max(...given);
    return declared?.assumedSize;
  };

  const objectCost = (
    selections: readonly SelectionNode[],
    type: GraphQLObjectType,
    sized: SizedFields | undefined,
  ): number => {
    let total = 0;
    for (const sel of selections) {
      if (!isIncluded(sel, variables)) continue;
      if (sel.kind === 'Field') total += fieldCost(sel, type, sized);
      else if (sel.kind === 'InlineFragment') {
        const condition = sel.typeCondition
          ? (schema.getType(sel.typeCondition.name.value) as GraphQLCompositeType | undefined)
          : undefined;
        if (sel.typeCondition && !condition) continue;
        if (conditionApplies(schema, condition, type))
          total += objectCost(sel.selectionSet.selections, type, sized);
      } else {
        const frag = fragments.get(sel.name.value);
        if (!frag) continue;
        const condition = schema.getType(frag.typeCondition.name.value) as GraphQLCompositeType | undefined;
        if (!condition || !conditionApplies(schema, condition, type)) continue;
        const key = `${sel.name.value}\u0000${type.name}\u0000${sized ? `${sized.size}:${sized.fields.join(',')}` : ''}`;
        let unit = fragmentMemo.get(key);
        if (unit === undefined) {
          unit = objectCost(frag.selectionSet.selections, type, sized);
          fragmentMemo.set(key, unit);
        }
        total += unit;
      }
      total = capped(total);
    }
    return total;
  };

  const selectionCost = (
    selections: readonly SelectionNode[],
    type: GraphQLCompositeType,
    sized: SizedFields | undefined,
  ): number => {
    let max = 0;
    for (const runtime of possibleTypes(schema, type))
      max = Math.max(max, objectCost(selections, runtime, sized));
    return max;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLObjectType, sized: SizedFields | undefined): number => {
    const name = node.name.value;
    if (name.startsWith('__')) return 0;
    const def = parent.getFields()[name];
    if (!def) return 0;
    const coordinate = `${parent.name}.${name}`;
    const named = getNamedType(def.type);
    const composite = isCompositeType(named);
    const declared = fieldDirective(parent, name, (c) => directives.listSize(c));
    const args = def.args.length > 0 ? argumentValues(def, node, variables) : {};
    const isList = isListType(getNullableType(def.type));

    let count = 1;
    let childSized: SizedFields | undefined;
    if (sized?.fields.includes(name) && isList) count = sized.size;
    else if (declared?.sizedFields.length) {
      const size = listSizeOf(node, declared, args, coordinate) ?? defaultListSize;
      childSized = { size, fields: declared.sizedFields };
      if (isList) count = size;
    } else if (isList) count = listSizeOf(node, declared, args, coordinate) ?? defaultListSize;
    else if (!declared && composite && isObjectType(named)) {
      // A Relay connection without @listSize: `first`/`last` size its `edges` and `nodes`.
      const fields = named.getFields();
      const edgeLists = ['edges', 'nodes'].filter(
        (f) => fields[f] && isListType(getNullableType(fields[f].type)),
      );
      const size = edgeLists.length > 0 ? listSizeOf(node, undefined, args, coordinate) : undefined;
      if (size !== undefined) childSized = { size, fields: edgeLists };
    }

    const weight =
      fieldDirective(parent, name, (c) => directives.weight(c)) ??
      directives.weight(named.name) ??
      (composite ? 1 : 0);

    let sub = 0;
    if (node.selectionSet && composite) {
      let perType = subselectionMemo.get(node);
      if (!perType) {
        perType = new Map();
        subselectionMemo.set(node, perType);
      }
      const key = `${parent.name}\u0000${childSized ? `${childSized.size}:${childSized.fields.join(',')}` : ''}`;
      const memo = perType.get(key);
      if (memo !== undefined) sub = memo;
      else {
        sub = selectionCost(node.selectionSet.selections, named, childSized);
        perType.set(key, sub);
      }
    }

    let argumentsCost = 0;
    for (const arg of node.arguments ?? []) {
      const argDef = def.args.find((a) => a.name === arg.name.value);
      if (argDef)
        argumentsCost += inputCost(args[argDef.name], argDef.type, `${coordinate}(${argDef.name}:)`);
    }
    return capped(count * (weight + sub) + argumentsCost);
  };

  const base = operation.operation === 'mutation' ? MUTATION_BASE_COST : 0;
  return capped(base + objectCost(operation.selectionSet.selections, root, undefined));
}
