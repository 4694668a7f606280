import type { GraphQLSchema } from 'graphql';
import { graphqlJs } from '../graphql-js.js';

const { isAbstractType, isInterfaceType, isObjectType } = graphqlJs;

/**
 * Whether `obj` (by its `__typename`) is of `typeCondition` in the supergraph: Apollo Gateway's
 * `isObjectOfType`, which decides the type-conditioned parts of representations and rewrites.
 */
export function isObjectOfType(
  schema: GraphQLSchema,
  obj: Record<string, unknown>,
  typeCondition: string,
  defaultOnUnknownObjectType = false,
): boolean {
  const typename = obj.__typename;
  if (!typename || typeof typename !== 'string') return defaultOnUnknownObjectType;
  if (typeCondition === typename) return true;
  const type = schema.getType(typename);
  if (!type) return false;
  const condition = schema.getType(typeCondition);
  if (!condition) return false;
  if (isAbstractType(condition))
    return (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(condition, type);
  return false;
}
