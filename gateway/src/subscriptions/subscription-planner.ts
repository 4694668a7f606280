import { operationFromDocument, type Schema, Supergraph } from '@apollo/federation-internals';
import { buildOperationContext } from '@apollo/gateway';
import { type FetchNode, type PlanNode, QueryPlanner } from '@apollo/query-planner';
import { IntelGraphError } from '@intelgraph/errors';
import type { DocumentNode, GraphQLSchema } from 'graphql';

type OperationContext = ReturnType<typeof buildOperationContext>;

/** A subscription planned by Apollo's query planner. */
export interface PlannedSubscription {
  /** The fetch that subscribes at the subgraph owning the root field. */
  readonly primary: FetchNode;
  /** What each event still needs from the other subgraphs (absent: the primary answers it all). */
  readonly rest: PlanNode | undefined;
  /** The owning subgraph's URL (its graphql-ws endpoint is the same path). */
  readonly url: string;
  readonly operationContext: OperationContext;
  readonly supergraphSchema: GraphQLSchema;
  readonly apiSchema: Schema;
}

interface Loaded {
  readonly supergraphSchema: GraphQLSchema;
  readonly apiSchema: Schema;
  readonly apiGraphQLSchema: GraphQLSchema;
  readonly planner: QueryPlanner;
  readonly urls: ReadonlyMap<string, string>;
}

/**
 * Plans subscription operations with Apollo's query planner: its plan for a subscription is a
 * `Subscription` node — a primary fetch to the subgraph owning the root field, and the rest of
 * the plan to run for each event. Rebuilt when a new supergraph is in force.
 */
export class SubscriptionPlanner {
  #loaded: Loaded | undefined;

  setSupergraph(supergraphSdl: string, apiGraphQLSchema: GraphQLSchema): void {
    const supergraph = Supergraph.build(supergraphSdl);
    this.#loaded = {
      supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
      apiSchema: supergraph.apiSchema(),
      apiGraphQLSchema,
      planner: new QueryPlanner(supergraph),
      urls: new Map(supergraph.subgraphsMetadata().map((s) => [s.name, s.url])),
    };
  }

  plan(document: DocumentNode, operationName: string | undefined): PlannedSubscription {
    const loaded = this.#loaded;
    if (!loaded) throw new IntelGraphError('SUPERGRAPH_NOT_LOADED', 'The gateway has no supergraph yet');
    const operation = operationFromDocument(loaded.apiSchema, document, { operationName });
    const plan = loaded.planner.buildQueryPlan(operation, {
      recursiveSelectionsLimitDisabled: false,
      nonLocalSelectionsLimitDisabled: false,
    });
    const node = plan.node;
    if (node?.kind !== 'Subscription')
      throw new IntelGraphError('INTERNAL_ERROR', `a subscription was planned as ${node?.kind ?? 'nothing'}`);
    const url = loaded.urls.get(node.primary.serviceName);
    if (!url)
      throw new IntelGraphError('SUPERGRAPH_INVALID', `Subgraph "${node.primary.serviceName}" has no URL`);
    return {
      primary: node.primary,
      rest: node.rest,
      url,
      operationContext: buildOperationContext({
        schema: loaded.apiGraphQLSchema,
        operationDocument: document,
        ...(operationName ? { operationName } : {}),
      }),
      supergraphSchema: loaded.supergraphSchema,
      apiSchema: loaded.apiSchema,
    };
  }
}
