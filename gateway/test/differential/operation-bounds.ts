import type {
  ArgumentNode,
  DirectiveNode,
  DocumentNode,
  FieldDefinitionNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLSchema,
  SelectionSetNode,
  ValueNode,
} from 'graphql';
import { graphqlJs } from '../../src/graphql-js.js';
import type { GeneratedOperation } from './operation-arbitrary.js';
import { possibleObjects } from './operation-arbitrary.js';

const {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isNonNullType,
  Kind,
  Lexer,
  parse,
  Source,
  TokenKind,
  valueFromASTUntyped,
} = graphqlJs;

/*
 * Whether a generated operation is within the gateway's default limits, measured independently
 * of the gateway's own analyzer: an operation the gateway may legitimately refuse is not sent
 * (vanilla Apollo Gateway has no limits), and every operation that is sent must be answered.
 *
 * Each measure is an upper bound of the gateway's: the cost sums every branch of an abstract
 * selection (the specification takes the costliest one) and sizes each list by the largest of
 * every size that could apply (slicing arguments with variable values and defaults, `assumedSize`,
 * the default list size, `first`/`last`-style arguments); aliases, directives and depth are
 * counted with named fragments expanded at every use. So an operation within these bounds is
 * within the gateway's limits whatever its estimator's details.
 */

export interface Limits {
  readonly maxCost: number;
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxRootFields: number;
  readonly maxDirectives: number;
  readonly maxTokens: number;
  readonly defaultListSize: number;
}

/** The gateway's defaults (README, "Configuration"). */
export const DEFAULT_LIMITS: Limits = {
  maxCost: 5000,
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
  maxTokens: 5000,
  defaultListSize: 10,
};

interface ListSize {
  readonly assumedSize?: number;
  readonly slicingArguments: readonly string[];
  readonly sizedFields: readonly string[];
}

const SIZE_ARGUMENTS = ['first', 'last', 'limit', 'pageSize', 'take'];
const CONNECTION_FIELDS = ['edges', 'nodes'];

/** How a connection sizes its child lists (`exact`: as its `@listSize(sizedFields:)` says). */
interface Sizing {
  readonly by: number;
  readonly fields: readonly string[];
  readonly exact: boolean;
}

export class OperationBounds {
  readonly #schema: GraphQLSchema;
  readonly #limits: Limits;
  readonly #listSizes = new Map<string, ListSize>();
  readonly #weights = new Map<string, number>();

  /** `supergraphSdl`: where `@listSize` and `@cost` are read (by their names; composition keeps them). */
  constructor(schema: GraphQLSchema, supergraphSdl: string, limits: Limits = DEFAULT_LIMITS) {
    this.#schema = schema;
    this.#limits = limits;
    for (const def of parse(supergraphSdl).definitions) {
      if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
      const typeWeight = costOf(def.directives);
      if (typeWeight !== undefined) this.#weights.set(def.name.value, typeWeight);
      for (const field of def.fields ?? []) this.#readField(def.name.value, field);
    }
    for (const def of parse(supergraphSdl).definitions)
      if (
        (def.kind === Kind.SCALAR_TYPE_DEFINITION || def.kind === Kind.ENUM_TYPE_DEFINITION) &&
        costOf(def.directives) !== undefined
      )
        this.#weights.set(def.name.value, costOf(def.directives)!);
  }

  #readField(type: string, field: FieldDefinitionNode): void {
    const coordinate = `${type}.${field.name.value}`;
    const weight = costOf(field.directives);
    if (weight !== undefined) this.#weights.set(coordinate, weight);
    for (const arg of field.arguments ?? []) {
      const w = costOf(arg.directives);
      if (w !== undefined) this.#weights.set(`${coordinate}(${arg.name.value}:)`, w);
    }
    const listSize = field.directives?.find((d) => d.name.value === 'listSize');
    if (!listSize) return;
    const arg = (name: string) => listSize.arguments?.find((a) => a.name.value === name)?.value;
    const assumed = arg('assumedSize');
    const strings = (v: ValueNode | undefined): string[] =>
      v?.kind === Kind.LIST ? v.values.flatMap((x) => (x.kind === Kind.STRING ? [x.value] : [])) : [];
    this.#listSizes.set(coordinate, {
      ...(assumed?.kind === Kind.INT ? { assumedSize: Number(assumed.value) } : {}),
      slicingArguments: strings(arg('slicingArguments')),
      sizedFields: strings(arg('sizedFields')),
    });
  }

  /** Why the operation may exceed a limit, or undefined when it is surely within all of them. */
  exceeds(op: GeneratedOperation): string | undefined {
    const l = this.#limits;
    const tokens = countTokens(op.query);
    if (tokens > l.maxTokens / 2) return `tokens ${tokens}`;
    const document = parse(op.query);
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const variables = this.#variables(document, op.variables);
    const shape = { depth: 0, aliases: 0, directives: 0 };
    walkShape(operation.selectionSet, fragments, 1, shape);
    if (shape.depth > l.maxDepth - 2) return `depth ${shape.depth}`;
    if (shape.aliases > l.maxAliases / 2) return `aliases ${shape.aliases}`;
    if (shape.directives > l.maxDirectives / 2) return `directives ${shape.directives}`;
    if (operation.selectionSet.selections.length > l.maxRootFields / 2) return 'root fields';
    const cost = this.#cost(
      operation.selectionSet,
      this.#schema.getQueryType()!,
      fragments,
      variables,
      undefined,
    );
    return cost > l.maxCost ? `cost bound ${cost}` : undefined;
  }

  /** Every value a variable can take here: the one sent, else its default. */
  #variables(document: DocumentNode, sent: Readonly<Record<string, unknown>>): Map<string, unknown> {
    const values = new Map<string, unknown>();
    for (const d of document.definitions)
      if (d.kind === Kind.OPERATION_DEFINITION)
        for (const v of d.variableDefinitions ?? []) {
          const name = v.variable.name.value;
          if (name in sent) values.set(name, sent[name]);
          else if (v.defaultValue) values.set(name, valueFromASTUntyped(v.defaultValue));
        }
    return values;
  }

  #cost(
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    variables: ReadonlyMap<string, unknown>,
    sizing: Sizing | undefined,
  ): number {
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT || s.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = s.kind === Kind.FRAGMENT_SPREAD ? fragments.get(s.name.value)! : s;
        const on = fragment.typeCondition
          ? (this.#schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType)
          : parent;
        total += this.#cost(fragment.selectionSet, on, fragments, variables, sizing);
        continue;
      }
      if (s.name.value === '__typename') continue;
      // The field on the parent, or on any possible type of it (selections on an abstract type).
      const owners = 'getFields' in parent ? [parent] : possibleObjects(this.#schema, parent);
      const owner = owners.find((o) => s.name.value in o.getFields())!;
      const def = owner.getFields()[s.name.value]!;
      const coordinate = `${owner.name}.${def.name}`;
      const named = getNamedType(def.type);
      let weight =
        this.#weights.get(coordinate) ?? this.#weights.get(named.name) ?? (isCompositeType(named) ? 1 : 0);
      const args = new Map<string, number[]>();
      for (const a of s.arguments ?? []) {
        // A variable without a value (sent or default) leaves the argument to its schema default.
        const unset = a.value.kind === Kind.VARIABLE && !variables.has(a.value.name.value);
        if (!unset) args.set(a.name.value, numbers(a, variables));
        weight += this.#weights.get(`${coordinate}(${a.name.value}:)`) ?? (isInputObject(a) ? 1 : 0);
      }
      for (const a of def.args)
        if (!args.has(a.name) && typeof a.defaultValue === 'number') args.set(a.name, [a.defaultValue]);
      const size = this.#listSize(coordinate, args, sizing?.fields.includes(def.name) ? sizing : undefined);
      const listSize = this.#listSizes.get(coordinate);
      // Children a connection sizes: its `sizedFields`; without @listSize, `edges`/`nodes` by its
      // `first`/`last`-style arguments.
      const fallback = Math.max(0, ...SIZE_ARGUMENTS.flatMap((n) => args.get(n) ?? []));
      const childSizing: Sizing | undefined = listSize
        ? { by: size, fields: listSize.sizedFields, exact: true }
        : fallback > 0
          ? { by: fallback, fields: CONNECTION_FIELDS, exact: false }
          : undefined;
      const child =
        s.selectionSet && isCompositeType(named)
          ? this.#cost(s.selectionSet, named, fragments, variables, childSizing)
          : 0;
      total += size ** listDepth(def.type) * (weight + child);
    }
    return total;
  }

  /**
   * A list's size as the cost specification reads it: the largest slicing argument given, else
   * the connection's size when it is one of its `sizedFields`, else `assumedSize`, else the
   * default. Without `@listSize` (supergraphs that are not ours): the larger of the default and
   * any `first`/`last`-style argument, of this field or of the connection above it.
   */
  #listSize(coordinate: string, args: ReadonlyMap<string, number[]>, sizing: Sizing | undefined): number {
    const listSize = this.#listSizes.get(coordinate);
    const given = (names: readonly string[]) => names.flatMap((n) => args.get(n) ?? []);
    const slicing = listSize ? given(listSize.slicingArguments) : [];
    if (slicing.length > 0) return Math.max(...slicing);
    if (sizing?.exact) return sizing.by;
    if (listSize) return listSize.assumedSize ?? this.#limits.defaultListSize;
    return Math.max(this.#limits.defaultListSize, sizing?.by ?? 0, ...given(SIZE_ARGUMENTS));
  }
}

function costOf(directives: readonly DirectiveNode[] | undefined): number | undefined {
  const cost = directives?.find((d) => d.name.value === 'cost');
  const weight = cost?.arguments?.find((a) => a.name.value === 'weight')?.value;
  return weight?.kind === Kind.INT ? Number(weight.value) : undefined;
}

function numbers(arg: ArgumentNode, variables: ReadonlyMap<string, unknown>): number[] {
  const v = arg.value;
  if (v.kind === Kind.INT) return [Number(v.value)];
  if (v.kind === Kind.VARIABLE) {
    const value = variables.get(v.name.value);
    return typeof value === 'number' ? [value] : [];
  }
  return [];
}

function isInputObject(arg: ArgumentNode): boolean {
  return arg.value.kind === Kind.OBJECT;
}

function listDepth(type: Parameters<typeof getNullableType>[0]): number {
  let depth = 0;
  let t = type;
  while (isNonNullType(t) || isListType(t)) {
    if (isListType(t)) depth++;
    t = t.ofType;
  }
  return depth;
}

function walkShape(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  depth: number,
  shape: { depth: number; aliases: number; directives: number },
): void {
  for (const s of set.selections) {
    shape.directives += s.directives?.length ?? 0;
    if (s.kind === Kind.FIELD) {
      shape.depth = Math.max(shape.depth, depth);
      if (s.alias) shape.aliases++;
      if (s.selectionSet) walkShape(s.selectionSet, fragments, depth + 1, shape);
    } else {
      const fragment = s.kind === Kind.FRAGMENT_SPREAD ? fragments.get(s.name.value)! : s;
      if (s.kind === Kind.FRAGMENT_SPREAD) shape.directives += fragment.directives?.length ?? 0;
      walkShape(fragment.selectionSet, fragments, depth, shape);
    }
  }
}

function countTokens(query: string): number {
  const lexer = new Lexer(new Source(query));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}
