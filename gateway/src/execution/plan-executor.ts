import { operationFromDocument, type Schema, Supergraph } from '@apollo/federation-internals';
import type { GraphQLDataSource } from '@apollo/gateway';
import { QueryPlanner } from '@apollo/query-planner';
import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { RequestState } from '../plugin.js';
import { executePlanNode } from './execute-plan-node.js';
import { executeIntrospection } from './introspection.js';
import { PlanCache, type PlannedOperation } from './plan-cache.js';
import { ResponseShaper } from './response-shaper.js';
import { ResultTree } from './result-tree.js';

const { GraphQLError: GraphQLErrorClass, getVariableValues } = graphqlJs;

/** The part of Apollo Server's gateway request context the executor reads. */
export interface ExecutorRequestContext {
  readonly request: {
    readonly operationName?: string | undefined;
    readonly variables?: Record<string, unknown>;
  };
  readonly document: DocumentNode;
  readonly queryHash: string;
  readonly operation: OperationDefinitionNode;
  readonly schema: GraphQLSchema;
  /** The request's state (Apollo Server hands the gateway its `contextValue` as `context`). */
  readonly context: RequestState;
}

export interface ExecutionResult {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLError[];
  extensions?: Record<string, unknown>;
}

export interface PlanExecutorOptions {
  /** The subgraphs' data sources (our fetch pipeline), by subgraph name; filled as Apollo builds them. */
  readonly dataSources: ReadonlyMap<string, GraphQLDataSource<RequestState>>;
  /** Planned operations kept per supergraph (default 1000). */
  readonly maxPlans?: number;
}

interface Loaded {
  readonly supergraphSchema: GraphQLSchema;
  readonly apiSchema: Schema;
  readonly planner: QueryPlanner;
  readonly plans: PlanCache;
}

/**
 * The gateway's own query plan executor (GATEWAY_EXECUTOR=intelgraph): Apollo's query planner
 * plans, this executes. Plans, with the operation and its compiled response shaper, are cached by
 * query hash and operation name. Subgraph answers reach it through the same data sources as
 * Apollo's path (the fetch pipeline), are merged copy-on-write into a tree of the request's own
 * and shaped into a new response; errors, paths and codes are Apollo Gateway's.
 */
export class PlanExecutor {
  readonly #options: PlanExecutorOptions;
  #loaded: Loaded | undefined;

  constructor(options: PlanExecutorOptions) {
    this.#options = options;
  }

  /** A new supergraph is in force: new planner, empty plan cache. */
  setSupergraph(supergraphSdl: string): void {
    const supergraph = Supergraph.build(supergraphSdl);
    this.#loaded = {
      supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
      apiSchema: supergraph.apiSchema(),
      planner: new QueryPlanner(supergraph),
      plans: new PlanCache(this.#options.maxPlans ?? 1000),
    };
  }

  /** Apollo Server's gateway executor. */
  readonly execute = async (requestContext: ExecutorRequestContext): Promise<ExecutionResult> => {
    const loaded = this.#loaded;
    if (!loaded) throw new Error('No supergraph loaded');
    const { request, operation: operationNode } = requestContext;
    const variableDefinitions = operationNode.variableDefinitions;
    if (variableDefinitions) {
      const { errors } = getVariableValues(
        requestContext.schema,
        variableDefinitions,
        request.variables ?? {},
      );
      if (errors) return { errors };
    }
    const planned = this.#plan(loaded, requestContext);
    if (planned.plan.node?.kind === 'Subscription')
      throw new Error('Execution of subscriptions not supported by gateway');

    const tree = new ResultTree();
    const errors: GraphQLError[] = [];
    const variables = request.variables ?? {};
    if (planned.plan.node) {
      await executePlanNode(
        {
          supergraphSchema: loaded.supergraphSchema,
          dataSources: this.#options.dataSources,
          variables,
          variableDefinitions: planned.operation.variableDefinitions,
          requestContext,
          state: requestContext.context,
          tree,
          errors,
        },
        planned.plan.node,
        { path: [], data: tree.root },
      );
    }
    try {
      const { data, errors: shapingErrors } = planned.shaper.shape(
        tree.root,
        request.variables,
        (selection) =>
          executeIntrospection(requestContext.schema, selection, variableDefinitions, request.variables),
      );
      if (errors.length === 0 && shapingErrors.length > 0)
        return { extensions: { valueCompletion: shapingErrors }, data };
      return errors.length === 0 ? { data } : { errors, data };
    } catch (error) {
      if (error instanceof GraphQLErrorClass) return { errors: [error] };
      if (error instanceof Error)
        return { errors: [new GraphQLErrorClass(error.message, { originalError: error })] };
      return { errors: [new GraphQLErrorClass('Unexpected error during query plan execution')] };
    }
  };

  #plan(loaded: Loaded, requestContext: ExecutorRequestContext): PlannedOperation {
    const operationName = requestContext.request.operationName;
    const key = operationName
      ? `${requestContext.queryHash}\u0000${operationName}`
      : requestContext.queryHash;
    let planned = loaded.plans.get(key);
    if (!planned) {
      const operation = operationFromDocument(loaded.apiSchema, requestContext.document, { operationName });
      const plan = loaded.planner.buildQueryPlan(operation, {
        recursiveSelectionsLimitDisabled: false,
        nonLocalSelectionsLimitDisabled: false,
      });
      planned = { plan, operation, shaper: new ResponseShaper(operation) };
      loaded.plans.set(key, planned);
    }
    return planned;
  }
}
