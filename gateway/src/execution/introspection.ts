import type { FieldSelection } from '@apollo/federation-internals';
import type { DocumentNode, FieldNode, GraphQLSchema, VariableDefinitionNode } from 'graphql';
import { graphqlJs } from '../graphql-js.js';

const { executeSync, Kind, OperationTypeNode, visit } = graphqlJs;

/**
 * The answer to one `__schema` / `__type` field of the operation, computed by graphql-js over the
 * API schema (introspection never goes to a subgraph), as Apollo Gateway does.
 */
export function executeIntrospection(
  schema: GraphQLSchema,
  selection: FieldSelection,
  variableDefinitions: readonly VariableDefinitionNode[] | undefined,
  variableValues: Record<string, unknown> | undefined,
): unknown {
  const field = selection.expandFragments().toSelectionNode() as FieldNode;
  const used = new Set<string>();
  visit(field, {
    [Kind.VARIABLE]: (node: { readonly name: { readonly value: string } }) => {
      used.add(node.name.value);
    },
  });
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        variableDefinitions: variableDefinitions?.filter((d) => used.has(d.variable.name.value)) ?? [],
        selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
      },
    ],
  };
  const { data, errors } = executeSync({ schema, document, rootValue: {}, variableValues });
  if (errors?.length || !data) throw new Error(`Introspection failed: ${errors?.[0]?.message ?? 'no data'}`);
  const key = field.alias?.value ?? field.name.value;
  return Object.hasOwn(data, key) ? data[key] : undefined;
}
