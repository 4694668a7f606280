import fc from 'fast-check';
import type {
  GraphQLArgument,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLSchema,
} from 'graphql';
import { graphqlJs } from '../../src/graphql-js.js';

const {
  astFromValue,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  parse,
  print,
  validate,
} = graphqlJs;

/*
 * fast-check arbitraries of valid operations over any schema (a supergraph's API schema): fields
 * with arguments given as literals, as variables (with and without defaults, the default used or
 * overridden), aliases, `__typename`, `@include`/`@skip`, inline fragments (with and without a
 * type condition) and named fragments on the parent type, its possible types and the abstract
 * types overlapping it. The arbitrary builds a small selection tree that shrinks field by field,
 * and prints it; the printed text is what a counterexample shows.
 */

/** A generated operation: what a client sends. */
export interface GeneratedOperation {
  readonly query: string;
  readonly variables: Readonly<Record<string, unknown>>;
}

export interface OperationArbitraryOptions {
  /** The API schema (what clients see). */
  readonly schema: GraphQLSchema;
  /** Nesting of composite fields below the root field (default 3). */
  readonly maxDepth?: number;
  /** Selections per selection set (default 3). */
  readonly maxSelections?: number;
  /** Root fields per operation (default 3). */
  readonly maxRootFields?: number;
  /** Leaves out fields by coordinate (`Type.field`), e.g. those a caller may not see. */
  readonly exclude?: (coordinate: string) => boolean;
  /**
   * Values of one argument, by coordinate (`Type.field(arg:)`): ids that exist, cursors, sizes
   * that keep the operation within the limits. Undefined: values drawn from the argument's type.
   */
  readonly argumentValues?: (coordinate: string, type: GraphQLInputType) => fc.Arbitrary<unknown> | undefined;
}

type Condition = {
  readonly directive: 'include' | 'skip';
  readonly value: boolean;
  readonly viaVariable: boolean;
};
type ArgumentMode = 'literal' | 'variable' | 'default' | 'defaultOverridden';
interface ArgumentChoice {
  readonly name: string;
  readonly type: GraphQLInputType;
  readonly value: unknown;
  readonly mode: ArgumentMode;
  /** The variable's default, when the mode declares one (the value sent overrides it). */
  readonly defaultValue?: unknown;
}
type Selection =
  | {
      readonly kind: 'field';
      readonly name: string;
      readonly alias: boolean;
      readonly args: readonly ArgumentChoice[];
      readonly condition: Condition | null;
      readonly selections: readonly Selection[] | null;
    }
  | { readonly kind: 'typename'; readonly alias: boolean }
  | {
      readonly kind: 'fragment';
      /** `inline`: `... on T`; `bare`: `... @include(…)` without a type condition; `named`: a fragment definition. */
      readonly form: 'inline' | 'bare' | 'named';
      readonly on: string;
      readonly condition: Condition | null;
      readonly selections: readonly Selection[];
    };

/** At most this many aliases are printed (the rest print unaliased), well under MAX_ALIASES. */
const MAX_PRINTED_ALIASES = 12;

export function operationArbitrary(options: OperationArbitraryOptions): fc.Arbitrary<GeneratedOperation> {
  const { schema } = options;
  const maxDepth = options.maxDepth ?? 3;
  const maxSelections = options.maxSelections ?? 3;
  const exclude = options.exclude ?? (() => false);
  const queryType = schema.getQueryType();
  if (!queryType) throw new Error('the schema has no query type');

  // One selection in eight is conditional; an alias on one in four.
  const conditionArb: fc.Arbitrary<Condition | null> = fc.oneof(
    { weight: 7, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.record({
        directive: fc.constantFrom<'include' | 'skip'>('include', 'skip'),
        value: fc.boolean(),
        viaVariable: fc.boolean(),
      }),
    },
  );
  const aliasArb = fc.oneof(
    { weight: 3, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  );

  const valueArb = (type: GraphQLInputType, coordinate: string, depth = 0): fc.Arbitrary<unknown> => {
    const custom = options.argumentValues?.(coordinate, type);
    if (custom) return custom;
    if (isNonNullType(type)) return valueArb(type.ofType as GraphQLInputType, coordinate, depth);
    const inner = valueOfNullable(type, coordinate, depth);
    return fc.option(inner, { freq: 6, nil: null });
  };
  const valueOfNullable = (
    type: GraphQLInputType,
    coordinate: string,
    depth: number,
  ): fc.Arbitrary<unknown> => {
    if (isListType(type))
      return fc.array(valueArb(type.ofType as GraphQLInputType, coordinate, depth + 1), { maxLength: 2 });
    if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name));
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || depth < 1);
      return fc.record(
        Object.fromEntries(
          fields.map((f) => [f.name, valueArb(f.type, `${coordinate}.${f.name}`, depth + 1)]),
        ),
      );
    }
    if (isScalarType(type)) {
      switch (type.name) {
        case 'Int':
          return fc.integer({ min: 0, max: 4 });
        case 'Float':
          return fc.constantFrom(0, 1.5, 2);
        case 'Boolean':
          return fc.boolean();
        case 'ID':
          return fc.constantFrom('1', '2', '3', 'missing');
        default:
          return fc.constantFrom('a', 'b', '');
      }
    }
    return fc.constant(null);
  };

  const argumentArb = (coordinate: string, arg: GraphQLArgument): fc.Arbitrary<ArgumentChoice | null> => {
    const at = `${coordinate}(${arg.name}:)`;
    const value = valueArb(arg.type, at);
    const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
    const choice = fc
      .record({
        value,
        mode: fc.constantFrom<ArgumentMode>('literal', 'variable', 'default', 'defaultOverridden'),
        defaultValue: value,
      })
      .map(({ value: v, mode, defaultValue }) => {
        // A null default cannot stand for a non-null argument; a null value only in nullable positions.
        if ((mode === 'default' || mode === 'defaultOverridden') && defaultValue === null)
          return { name: arg.name, type: arg.type, value: v, mode: 'literal' as const };
        return mode === 'default' || mode === 'defaultOverridden'
          ? { name: arg.name, type: arg.type, value: v, mode, defaultValue }
          : { name: arg.name, type: arg.type, value: v, mode };
      })
      .filter((c) => !(isNonNullType(arg.type) && c.value === null));
    return required ? choice : fc.option(choice, { freq: 2, nil: null });
  };

  const memo = new Map<string, fc.Arbitrary<readonly Selection[]>>();

  /** Types a fragment inside a selection on `parent` may name (the spread must be possible). */
  const fragmentTargets = (parent: GraphQLCompositeType): GraphQLCompositeType[] => {
    const possible = new Set(possibleObjects(schema, parent).map((t) => t.name));
    const all = Object.values(schema.getTypeMap()).filter(
      (t): t is GraphQLCompositeType => isCompositeType(t) && !t.name.startsWith('__'),
    );
    return all.filter((t) => possibleObjects(schema, t).some((o) => possible.has(o.name)));
  };

  const fieldArb = (parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, depth: number) => {
    const coordinate = `${parent.name}.${field.name}`;
    const named = getNamedType(field.type) as GraphQLNamedType;
    const args = field.args.map((a) => argumentArb(coordinate, a));
    const sub = isCompositeType(named) ? selectionSet(named, depth - 1, true) : fc.constant(null);
    return fc
      .record({
        alias: aliasArb,
        args: args.length > 0 ? fc.tuple(...args) : fc.constant([] as (ArgumentChoice | null)[]),
        condition: conditionArb,
        selections: sub,
      })
      .map(
        ({ alias, args: chosen, condition, selections }): Selection => ({
          kind: 'field',
          name: field.name,
          alias,
          args: chosen.filter((a): a is ArgumentChoice => a !== null),
          condition,
          selections,
        }),
      );
  };

  /** Selections of a composite type; fragments only one level deep within one selection set. */
  function selectionSet(
    type: GraphQLCompositeType,
    depth: number,
    fragments: boolean,
    size = maxSelections,
  ): fc.Arbitrary<readonly Selection[]> {
    const key = `${type.name}/${depth}/${fragments}/${size}`;
    const known = memo.get(key);
    if (known) return known;
    const fields = isUnionType(type)
      ? []
      : Object.values(type.getFields()).filter((f) => {
          if (exclude(`${type.name}.${f.name}`)) return false;
          if (
            f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined && !isLeafInput(a.type))
          )
            return false;
          return depth > 0 || !isCompositeType(getNamedType(f.type));
        });
    // Composite fields weigh more: a schema has more leaves, and depth is where gateways differ.
    const entries: fc.WeightedArbitrary<Selection>[] = fields.map((f) => ({
      weight: isCompositeType(getNamedType(f.type)) ? 8 : 3,
      arbitrary: fieldArb(type, f, depth),
    }));
    entries.push({
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('typename' as const), alias: aliasArb }),
    });
    if (fragments) {
      const targets = fragmentTargets(type);
      for (const target of targets) {
        entries.push({
          weight: isAbstractType(type) && target !== type ? 4 : 2,
          arbitrary: fc.record({
            kind: fc.constant('fragment' as const),
            form:
              target === type
                ? fc.constantFrom<'inline' | 'bare' | 'named'>('inline', 'bare', 'named')
                : fc.constantFrom<'inline' | 'bare' | 'named'>('inline', 'named'),
            on: fc.constant(target.name),
            condition: conditionArb,
            selections: selectionSet(target, depth, false),
          }),
        });
      }
    }
    const arb = fc.array(fc.oneof(...entries), { minLength: 1, maxLength: size, size: 'max' });
    memo.set(key, arb);
    return arb;
  }

  // The root selection set like any other (fields, `__typename`, fragments on Query), its own size.
  const rootArb = selectionSet(queryType, maxDepth, true, options.maxRootFields ?? 3);
  return fc
    .record({ root: rootArb, named: fc.boolean() })
    .map(({ root, named }) => printOperation(root, named))
    .filter((op) => validate(schema, parse(op.query)).length === 0);
}

function isLeafInput(type: GraphQLInputType): boolean {
  const named = getNamedType(type);
  return isScalarType(named) || isEnumType(named);
}

export function possibleObjects(schema: GraphQLSchema, type: GraphQLCompositeType) {
  return isObjectType(type) ? [type] : schema.getPossibleTypes(type);
}

/** Prints the tree: numbered aliases, variables and fragments (identical named fragments shared). */
function printOperation(root: readonly Selection[], named: boolean): GeneratedOperation {
  const variableDefs: string[] = [];
  const variables: Record<string, unknown> = {};
  const fragments = new Map<string, { name: string; text: string }>();
  let aliases = 0;
  const literal = (value: unknown, type: GraphQLInputType): string => {
    const ast = astFromValue(value, type);
    return ast ? print(ast) : 'null';
  };
  const declare = (type: GraphQLInputType, value: unknown, defaultValue?: unknown, send = true): string => {
    const name = `v${variableDefs.length}`;
    // A variable with a default may be nullable even where the argument is non-null.
    const declared = defaultValue !== undefined ? getNullableType(type) : type;
    const def = defaultValue !== undefined ? ` = ${literal(defaultValue, type)}` : '';
    variableDefs.push(`$${name}: ${String(declared)}${def}`);
    if (send) variables[name] = value;
    return `$${name}`;
  };
  const directive = (c: Condition | null): string => {
    if (!c) return '';
    const { GraphQLBoolean } = graphqlJs;
    return ` @${c.directive}(if: ${c.viaVariable ? declare(GraphQLBoolean, c.value) : String(c.value)})`;
  };
  const printSet = (selections: readonly Selection[]): string =>
    `{ ${selections.map(printSelection).join(' ')} }`;
  const printSelection = (s: Selection): string => {
    switch (s.kind) {
      case 'typename':
        return s.alias && aliases < MAX_PRINTED_ALIASES ? `t${aliases++}: __typename` : '__typename';
      case 'field': {
        const alias = s.alias && aliases < MAX_PRINTED_ALIASES ? `a${aliases++}: ` : '';
        const args = s.args.map((a) => {
          switch (a.mode) {
            case 'literal':
              return `${a.name}: ${literal(a.value, a.type)}`;
            case 'variable':
              return `${a.name}: ${declare(a.type, a.value)}`;
            case 'default':
              return `${a.name}: ${declare(a.type, undefined, a.defaultValue, false)}`;
            default:
              return `${a.name}: ${declare(a.type, a.value, a.defaultValue)}`;
          }
        });
        const argText = args.length > 0 ? `(${args.join(', ')})` : '';
        const dir = directive(s.condition);
        return `${alias}${s.name}${argText}${dir}${s.selections ? ` ${printSet(s.selections)}` : ''}`;
      }
      case 'fragment': {
        const dir = directive(s.condition);
        if (s.form === 'bare') return `...${dir} ${printSet(s.selections)}`;
        if (s.form === 'inline') return `... on ${s.on}${dir} ${printSet(s.selections)}`;
        const body = printSet(s.selections);
        const key = `${s.on} ${body}`;
        let fragment = fragments.get(key);
        if (!fragment) {
          fragment = { name: `F${fragments.size}`, text: `fragment F${fragments.size} on ${s.on} ${body}` };
          fragments.set(key, fragment);
        }
        return `...${fragment.name}${dir}`;
      }
    }
  };
  const body = printSet(root);
  const header = variableDefs.length > 0 || named ? `query${named ? ' Generated' : ''}` : '';
  const defs = variableDefs.length > 0 ? `(${variableDefs.join(', ')})` : '';
  const query = [
    `${header}${defs}${header ? ' ' : ''}${body}`,
    ...[...fragments.values()].map((f) => f.text),
  ].join('\n');
  return { query, variables };
}
