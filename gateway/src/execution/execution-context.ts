import type { VariableDefinitions } from '@apollo/federation-internals';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import type { RequestState } from '../plugin.js';
import type { ResultTree } from './result-tree.js';

/** What executing one query plan for one request needs; lives for that request only. */
export interface ExecutionContext {
  /** The supergraph as graphql-js sees it (type conditions of representations and rewrites). */
  readonly supergraphSchema: GraphQLSchema;
  readonly dataSources: ReadonlyMap<string, GraphQLDataSource<RequestState>>;
  readonly variables: Readonly<Record<string, unknown>>;
  /** The operation's variables as the planner knows them (conditions of `Condition` nodes). */
  readonly variableDefinitions: VariableDefinitions;
  /** The Apollo request context, handed to the data sources like Apollo Gateway does. */
  readonly requestContext: unknown;
  readonly state: RequestState;
  readonly tree: ResultTree;
  readonly errors: GraphQLError[];
}
