import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { IntelGraphError } from '@intelgraph/errors';
import type { FragmentDefinitionNode, GraphQLSchema } from 'graphql';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import { measureActualCost } from './actual-cost.js';
import type { OperationAnalysis } from './analyze-operation.js';
import { CostDirectives } from './cost-directives.js';
import { type CostModel, estimateCost } from './estimate-cost.js';
import { coerceVariables, type VariableValues } from './operation-values.js';

/** The request header asking for `extensions.cost` in the response (`COST_EXTENSIONS=on-request`). */
export const COST_REQUEST_HEADER = 'x-graphql-cost';

export interface DemandControlOptions {
  /** Highest estimated cost served (`MAX_COST`). */
  readonly maxCost: number;
  /** List size assumed when nothing bounds a list (`DEFAULT_LIST_SIZE`). */
  readonly defaultListSize: number;
  /** `enforce` refuses operations over `maxCost`; `measure` only computes and reports (default enforce). */
  readonly mode?: 'enforce' | 'measure';
  /**
   * When the response carries `extensions.cost` (`{ estimated, actual?, limit, mode }`): `always`,
   * `on-request` (the request sends `x-graphql-cost: true`), or `never` (default on-request).
   */
  readonly extensions?: 'never' | 'on-request' | 'always';
  /** Also measure the actual cost of each response (default false). */
  readonly actualCost?: boolean;
  /** Observes each estimate and each measure (metrics). */
  readonly onCost?: (kind: 'estimated' | 'actual', cost: number) => void;
}

interface RequestCost {
  readonly analysis: OperationAnalysis;
  readonly variables: VariableValues;
  readonly estimated: number;
  readonly report: boolean;
}

const fragmentsOf = new WeakMap<OperationAnalysis, ReadonlyMap<string, FragmentDefinitionNode>>();
function fragments(analysis: OperationAnalysis): ReadonlyMap<string, FragmentDefinitionNode> {
  let found = fragmentsOf.get(analysis);
  if (!found) {
    const map = new Map<string, FragmentDefinitionNode>();
    for (const d of analysis.document.definitions)
      if (d.kind === 'FragmentDefinition') map.set(d.name.value, d);
    found = map;
    fragmentsOf.set(analysis, found);
  }
  return found;
}

const asked = (value: string | string[] | undefined): boolean => {
  const v = Array.isArray(value) ? value[0] : value;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
};

/**
 * Demand control: estimates each operation's cost before it is planned (`estimateCost`: the
 * cost specification's weights, `@cost`/`@listSize` from the supergraph, the request's coerced
 * variables and their defaults) and refuses it over `maxCost` with QUERY_TOO_COSTLY, whose
 * extensions carry `cost` and `limit`. An operation without variables is estimated once (per
 * schema); one with variables on every request, since their values change the cost.
 * A subscription is judged like a query, on every transport: its cost is that of one event —
 * the whole selection, what the rest of the plan fetches from other subgraphs included.
 * Optionally measures the actual cost of the response, and reports both in `extensions.cost`.
 */
export function useDemandControl(options: DemandControlOptions): GatewayPlugin {
  const mode = options.mode ?? 'enforce';
  const reporting = options.extensions ?? 'on-request';
  for (const field of ['maxCost', 'defaultListSize'] as const) {
    const value = options[field];
    if (!Number.isInteger(value) || value < 1) {
      throw new IntelGraphError('CONFIG_INVALID', `useDemandControl: ${field} must be a positive integer`, {
        input: value,
        details: { field },
      });
    }
  }
  let model: CostModel | undefined;
  let staticCosts = new WeakMap<OperationAnalysis, number>();
  // By IncomingMessage: Apollo's contextValue is a shallow copy of the RequestState.
  const perRequest = new WeakMap<IncomingMessage, RequestCost>();

  const estimate = (analysis: OperationAnalysis, variables: VariableValues, m: CostModel): number => {
    const operation = analysis.operation!;
    if (operation.variableDefinitions?.length)
      return estimateCost(operation, fragments(analysis), variables, m);
    let cost = staticCosts.get(analysis);
    if (cost === undefined) {
      cost = estimateCost(operation, fragments(analysis), variables, m);
      staticCosts.set(analysis, cost);
    }
    return cost;
  };

  const apollo: ApolloServerPlugin<RequestState> = {
    async requestDidStart() {
      return {
        // Not async: runs to the end before later plugins' hooks read the response.
        willSendResponse({ contextValue: state, response }) {
          const cost = perRequest.get(state.req);
          if (!cost || response.body.kind !== 'single' || !model) return Promise.resolve();
          const result = response.body.singleResult;
          let actual: number | undefined;
          if (options.actualCost && cost.analysis.operation) {
            actual = measureActualCost(
              result.data,
              cost.analysis.operation,
              fragments(cost.analysis),
              cost.variables,
              model,
            );
            options.onCost?.('actual', actual);
          }
          if (cost.report) {
            result.extensions = {
              ...result.extensions,
              cost: {
                estimated: cost.estimated,
                ...(actual === undefined ? {} : { actual }),
                limit: options.maxCost,
                mode,
              },
            };
          }
          return Promise.resolve();
        },
      };
    },
  };

  return {
    name: 'demand-control',
    onSchemaChange(schema: GraphQLSchema, supergraphSdl: string) {
      let directives: CostDirectives;
      try {
        directives = CostDirectives.fromSupergraph(supergraphSdl);
      } catch {
        directives = CostDirectives.empty();
      }
      model = { schema, directives, defaultListSize: options.defaultListSize };
      staticCosts = new WeakMap();
    },
    onOperation(state, analysis) {
      const m = model;
      if (!m || !analysis.operation) return;
      const variables = coerceVariables(m.schema, analysis.operation, state.params.variables);
      const estimated = estimate(analysis, variables, m);
      options.onCost?.('estimated', estimated);
      const report =
        reporting === 'always' ||
        (reporting === 'on-request' && asked(state.req.headers[COST_REQUEST_HEADER]));
      if (report || options.actualCost) perRequest.set(state.req, { analysis, variables, estimated, report });
      if (mode === 'enforce' && estimated > options.maxCost) {
        throw new IntelGraphError(
          'QUERY_TOO_COSTLY',
          `Query cost is ${estimated}; the limit is ${options.maxCost}`,
          { input: estimated, details: { cost: estimated, limit: options.maxCost } },
        );
      }
    },
    apolloPlugins: [apollo],
  };
}
