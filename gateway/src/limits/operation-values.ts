import type {
  FieldNode,
  FragmentSpreadNode,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLObjectType,
  GraphQLSchema,
  InlineFragmentNode,
  OperationDefinitionNode,
} from 'graphql';
import { graphqlJs } from '../graphql-js.js';

const {
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  typeFromAST,
  valueFromAST,
} = graphqlJs;

/** Variable values as the operation will see them, keyed by name. */
export type VariableValues = Readonly<Record<string, unknown>>;

/**
 * The operation's variables coerced as execution will coerce them: the values sent, and for each
 * variable not sent its default from the operation (`query($n: Int = 100)`). A default is a value
 * like any other, so anything measured from variables (cost, `@skip`) sees it exactly as it would
 * see the literal. Values that do not coerce (the request will fail validation) are taken as sent.
 */
export function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  inputs: Readonly<Record<string, unknown>> | undefined,
): VariableValues {
  const definitions = operation.variableDefinitions ?? [];
  if (definitions.length === 0) return {};
  const result = getVariableValues(schema, definitions, { ...inputs }, { maxErrors: 1 });
  if (result.coerced) return result.coerced;
  const out: Record<string, unknown> = {};
  for (const def of definitions) {
    const name = def.variable.name.value;
    if (inputs && Object.hasOwn(inputs, name)) out[name] = inputs[name];
    else if (def.defaultValue) {
      const type = typeFromAST(schema, def.type);
      if (type) out[name] = valueFromAST(def.defaultValue, type as never);
    }
  }
  return out;
}

/** False when `@skip(if: true)` or `@include(if: false)` leaves the selection out. */
export function isIncluded(
  node: FieldNode | InlineFragmentNode | FragmentSpreadNode,
  variables: VariableValues,
): boolean {
  if (!node.directives?.length) return true;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables as Record<string, unknown>)?.if === true)
      return false;
    if (getDirectiveValues(GraphQLIncludeDirective, node, variables as Record<string, unknown>)?.if === false)
      return false;
  } catch {
    // A bad `if:` fails validation later; count the selection meanwhile.
  }
  return true;
}

/** The field's arguments coerced (schema defaults applied); empty when they do not coerce. */
export function argumentValues(
  def: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: VariableValues,
): Record<string, unknown> {
  try {
    return getArgumentValues(def, node, variables as Record<string, unknown>);
  } catch {
    return {};
  }
}

/** Whether a fragment with this type condition applies to objects of `runtime`. */
export function conditionApplies(
  schema: GraphQLSchema,
  condition: GraphQLCompositeType | undefined,
  runtime: GraphQLObjectType,
): boolean {
  if (!condition || condition === runtime) return true;
  return isAbstractType(condition) && schema.isSubType(condition, runtime);
}

/** The object types a value of `type` can be at run time. */
export function possibleTypes(
  schema: GraphQLSchema,
  type: GraphQLCompositeType,
): readonly GraphQLObjectType[] {
  return isAbstractType(type) ? schema.getPossibleTypes(type) : [type];
}
