import {
  type CompositeType,
  ERRORS,
  type FieldSelection,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  type Operation,
  type OperationElement,
  type OutputType,
  type Schema,
  type SelectionSet,
  Variable,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

type Vars = Readonly<Record<string, unknown>>;
type Path = (string | number)[];
type Condition = (variables: Vars) => boolean;

/** A selection compiled once per operation: its `@skip`/`@include`, response name and type. */
type CompiledSelection =
  | {
      readonly kind: 'introspection';
      readonly skipped: Condition | undefined;
      readonly responseName: string;
      readonly selection: FieldSelection;
    }
  | { readonly kind: 'typename'; readonly skipped: Condition | undefined; readonly responseName: string }
  | {
      readonly kind: 'field';
      readonly skipped: Condition | undefined;
      readonly responseName: string;
      readonly value: CompiledValue;
    }
  | {
      readonly kind: 'fragment';
      readonly skipped: Condition | undefined;
      readonly typeCondition: CompositeType | undefined;
      readonly selections: readonly CompiledSelection[];
    };

/**
 * How a field's value is completed, by its output type; `name` prints the type as Apollo does,
 * `selected` is whether the field has a selection set (a leaf, even in a list, is set once).
 */
type CompiledValue = { readonly selected: boolean } & (
  | { readonly kind: 'nonNull'; readonly name: string; readonly ofName: string; readonly of: CompiledValue }
  | { readonly kind: 'list'; readonly name: string; readonly of: CompiledValue }
  | {
      readonly kind: 'composite';
      readonly name: string;
      readonly type: CompositeType;
      readonly selections: readonly CompiledSelection[];
    }
  | { readonly kind: 'leaf'; readonly name: string; readonly type: OutputType }
);

interface Run {
  readonly schema: Schema;
  readonly variables: Vars;
  readonly errors: GraphQLError[];
  readonly introspection: (selection: FieldSelection) => unknown;
  /** isSubtype answers by type-condition and runtime type name (the same few pairs recur). */
  readonly subtypes: Map<string, boolean>;
}

const OK = 0;
const NULL_BUBBLE_UP = 1;

/**
 * The response of one operation, shaped from the result tree the plan's fetches filled: only the
 * fields the client asked for, in its order, under its aliases, `__typename` of root types filled
 * in, `@skip`/`@include` applied, non-null violations bubbled up with Apollo Gateway's errors
 * (INVALID_GRAPHQL), introspection answered locally. The selection sets are compiled once per
 * operation (directives resolved to conditions, types to completion steps) and cached with the
 * plan; running it builds a new tree and writes nothing it reads. Same results as Apollo
 * Gateway's `computeResponse`, which this replaces.
 */
export class ResponseShaper {
  readonly #schema: Schema;
  readonly #rootType: CompositeType;
  readonly #selections: readonly CompiledSelection[];
  readonly #defaults: Record<string, unknown>;

  constructor(operation: Operation) {
    this.#schema = operation.schema();
    this.#rootType = this.#schema.schemaDefinition.rootType(operation.rootKind)! as CompositeType;
    this.#selections = compileSelectionSet(operation.selectionSet, this.#schema);
    this.#defaults = operation.collectDefaultedVariableValues();
  }

  shape(
    input: Record<string, unknown> | null | undefined,
    variables: Vars | undefined,
    introspection: (selection: FieldSelection) => unknown,
  ): { data: Record<string, unknown> | null | undefined; errors: GraphQLError[] } {
    if (!input) return { data: input, errors: [] };
    const run: Run = {
      schema: this.#schema,
      variables: { __proto__: null, ...this.#defaults, ...variables } as Vars,
      errors: [],
      introspection,
      subtypes: new Map(),
    };
    const data: Record<string, unknown> = Object.create(null);
    const result = applySelections(run, input, this.#selections, data, [], this.#rootType);
    return { data: result === NULL_BUBBLE_UP ? null : data, errors: run.errors };
  }
}

function compileSelectionSet(selectionSet: SelectionSet, schema: Schema): CompiledSelection[] {
  return selectionSet.selections().map((selection): CompiledSelection => {
    const skipped = compileSkip(selection.element, schema);
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      const responseName = field.responseName();
      if (field.definition.isSchemaIntrospectionField())
        return { kind: 'introspection', skipped, responseName, selection };
      if (field.name === '__typename') return { kind: 'typename', skipped, responseName };
      return {
        kind: 'field',
        skipped,
        responseName,
        value: compileValue(field.definition.type! as OutputType, selection.selectionSet, schema),
      };
    }
    const typeCondition = selection.element.typeCondition;
    return {
      kind: 'fragment',
      skipped,
      typeCondition,
      selections: compileSelectionSet(selection.selectionSet, schema),
    };
  });
}

function compileValue(
  type: OutputType,
  selectionSet: SelectionSet | undefined,
  schema: Schema,
): CompiledValue {
  const name = type.toString();
  const selected = selectionSet !== undefined;
  if (isNonNullType(type))
    return {
      kind: 'nonNull',
      selected,
      name,
      ofName: type.ofType.toString(),
      of: compileValue(type.ofType, selectionSet, schema),
    };
  if (isListType(type))
    return { kind: 'list', selected, name, of: compileValue(type.ofType, selectionSet, schema) };
  if (isCompositeType(type)) {
    if (!selectionSet) throw new Error(`Invalid empty selection set for composite type ${name}`);
    return { kind: 'composite', selected, name, type, selections: compileSelectionSet(selectionSet, schema) };
  }
  return { kind: 'leaf', selected, name, type };
}

function compileSkip(element: OperationElement, schema: Schema): Condition | undefined {
  const skip = element.appliedDirectivesOf(schema.skipDirective())[0];
  const include = element.appliedDirectivesOf(schema.includeDirective())[0];
  if (!skip && !include) return undefined;
  const ifOf = (arg: unknown): Condition => {
    if (arg instanceof Variable) {
      const variable = arg.name;
      return (variables) => {
        const value = variables[variable];
        if (typeof value !== 'boolean')
          throw new Error(`Unexpected value ${String(value)} for variable $${variable}`);
        return value;
      };
    }
    return () => arg === true;
  };
  const skipIf = skip ? ifOf(skip.arguments().if) : undefined;
  const includeIf = include ? ifOf(include.arguments().if) : undefined;
  return (variables) => Boolean(skipIf?.(variables) || (includeIf && !includeIf(variables)));
}

function typeConditionApplies(
  run: Run,
  typeCondition: CompositeType | undefined,
  typename: string | undefined,
  parentType: CompositeType,
): boolean {
  if (!typeCondition) return true;
  const runtime = typename ?? parentType.name;
  const key = `${typeCondition.name}\u0000${typename === undefined ? '' : '!'}${runtime}`;
  let applies = run.subtypes.get(key);
  if (applies === undefined) {
    const type = typename ? run.schema.type(typename) : parentType;
    applies = !!type && isSubtype(typeCondition, type);
    run.subtypes.set(key, applies);
  }
  return applies;
}

function applySelections(
  run: Run,
  input: Record<string, unknown>,
  selections: readonly CompiledSelection[],
  output: Record<string, unknown>,
  path: Path,
  parentType: CompositeType,
): number {
  for (const selection of selections) {
    if (selection.skipped?.(run.variables)) continue;
    switch (selection.kind) {
      case 'introspection':
        if (output[selection.responseName] === undefined)
          output[selection.responseName] = run.introspection(selection.selection);
        break;
      case 'typename': {
        const name = selection.responseName;
        if (output[name] !== undefined) break;
        let value = Object.hasOwn(input, name) ? (input[name] ?? null) : null;
        if (value === null && name !== '__typename') value = input.__typename ?? null;
        const type = typeof value === 'string' ? (run.schema.type(value) ?? parentType) : parentType;
        if (!isObjectType(type)) return NULL_BUBBLE_UP;
        output[name] = type.name;
        break;
      }
      case 'field': {
        const name = selection.responseName;
        const inputValue = Object.hasOwn(input, name) ? (input[name] ?? null) : null;
        path.push(name);
        const { updated, isInvalid } = completeValue(
          run,
          output[name],
          selection.value,
          inputValue,
          path,
          parentType,
        );
        output[name] = updated;
        path.pop();
        if (isInvalid) return NULL_BUBBLE_UP;
        break;
      }
      case 'fragment': {
        const typename = input.__typename;
        if (typename !== undefined && typename !== null && typeof typename !== 'string')
          throw new Error(`Got unexpected value for __typename: ${String(typename)}`);
        if (typeConditionApplies(run, selection.typeCondition, typename || undefined, parentType)) {
          const result = applySelections(
            run,
            input,
            selection.selections,
            output,
            path,
            selection.typeCondition ?? parentType,
          );
          if (result === NULL_BUBBLE_UP) return NULL_BUBBLE_UP;
        }
        break;
      }
    }
  }
  return OK;
}

function describe(path: Path, typeName: string, parentType: CompositeType): string {
  const element = path[path.length - 1];
  return typeof element === 'string'
    ? `field ${parentType.name}.${element}`
    : `array element of type ${typeName} at index ${element}`;
}

interface Completed {
  readonly updated: unknown;
  readonly isInvalid?: boolean;
  readonly hasErrors?: boolean;
}

function completeValue(
  run: Run,
  outputValue: unknown,
  value: CompiledValue,
  inputValue: unknown,
  path: Path,
  parentType: CompositeType,
): Completed {
  if (outputValue === null || (outputValue !== undefined && !value.selected)) return { updated: outputValue };
  if (value.kind === 'nonNull') {
    const { updated, hasErrors } = completeValue(run, outputValue, value.of, inputValue, path, parentType);
    if (updated === null) {
      if (!hasErrors)
        run.errors.push(
          ERRORS.INVALID_GRAPHQL.err(
            `Cannot return null for non-nullable ${describe(path, value.ofName, parentType)}.`,
            {
              path: Array.from(path),
            },
          ),
        );
      return { updated, isInvalid: true, hasErrors: true };
    }
    return { updated };
  }
  if (inputValue === null) return { updated: null };
  if (value.kind === 'list') {
    if (!Array.isArray(inputValue))
      throw new Error(
        `Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${value.name}`,
      );
    const outputs: unknown[] =
      outputValue === undefined ? new Array(inputValue.length).fill(undefined) : (outputValue as unknown[]);
    let nullify = false;
    let hasErrors = false;
    const updated = outputs.map((element, i) => {
      path.push(i);
      const completed = completeValue(run, element, value.of, inputValue[i], path, parentType);
      path.pop();
      nullify ||= !!completed.isInvalid;
      hasErrors ||= !!completed.hasErrors;
      return completed.updated;
    });
    return { updated: nullify ? null : updated, hasErrors };
  }
  if (value.kind === 'composite') {
    if (typeof inputValue !== 'object')
      throw new Error(
        `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${value.name}`,
      );
    const input = inputValue as Record<string, unknown>;
    const typename = input.__typename;
    let objType = value.type;
    if (typename) {
      const type = typeof typename === 'string' ? run.schema.type(typename) : undefined;
      if (!type || !isCompositeType(type)) {
        run.errors.push(
          ERRORS.INVALID_GRAPHQL.err(
            `Invalid __typename found for object at ${describe(path, value.name, parentType)}.`,
            {
              path: Array.from(path),
            },
          ),
        );
        return { updated: null, hasErrors: true };
      }
      objType = type;
    }
    const output = outputValue === undefined ? Object.create(null) : (outputValue as Record<string, unknown>);
    const result = applySelections(run, input, value.selections, output, path, objType);
    const hasErrors = result === NULL_BUBBLE_UP;
    return { updated: hasErrors ? null : output, hasErrors };
  }
  const valid = isValidLeafValue(
    run.schema,
    inputValue,
    value.type as Parameters<typeof isValidLeafValue>[2],
  );
  if (!valid)
    run.errors.push(
      ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(path, value.name, parentType)}.`, {
        path: Array.from(path),
      }),
    );
  return { updated: valid ? inputValue : null, hasErrors: !valid };
}
