import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import type { GraphQLSchema } from 'graphql';
import { graphqlJs } from '../graphql-js.js';

const { BreakingChangeType, DangerousChangeType, findBreakingChanges, findDangerousChanges } = graphqlJs;

export interface SchemaChange {
  /** graphql-js change type, e.g. FIELD_REMOVED, FIELD_CHANGED_KIND. */
  readonly type: string;
  readonly description: string;
}

/** The client-facing (API) schema of a supergraph: what a breaking change is judged against. */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  // Every feature a router may see (security ones included): only the API schema is needed here.
  return Supergraph.build(supergraphSdl, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES })
    .apiSchema()
    .toGraphQLJSSchema() as unknown as GraphQLSchema;
}

/**
 * Changes from `before` to `after` that break clients (a removed type or field, a changed type
 * or nullability of a field a client reads, a new required argument, …) and the dangerous ones
 * (a new enum value, a changed default), as graphql-js classifies them.
 */
export function diffSupergraphs(
  before: string,
  after: string,
): { breaking: SchemaChange[]; dangerous: SchemaChange[] } {
  const a = apiSchemaOf(before);
  const b = apiSchemaOf(after);
  const known = new Set<string>([
    ...Object.values(BreakingChangeType),
    ...Object.values(DangerousChangeType),
  ]);
  return {
    breaking: findBreakingChanges(a, b).map((c) => ({
      type: known.has(c.type) ? c.type : 'BREAKING',
      description: c.description,
    })),
    dangerous: findDangerousChanges(a, b).map((c) => ({ type: c.type, description: c.description })),
  };
}

/** A breaking change is acknowledged by listing `TYPE: description` (or just the description). */
export function isAcknowledged(change: SchemaChange, acknowledged: readonly string[]): boolean {
  return (
    acknowledged.includes(`${change.type}: ${change.description}`) ||
    acknowledged.includes(change.description)
  );
}
