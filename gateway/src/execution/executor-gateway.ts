import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import type { RequestState } from '../plugin.js';
import type { ExecutorRequestContext, PlanExecutor } from './plan-executor.js';

type GatewayInterface = ApolloServerOptionsWithGateway<RequestState>['gateway'];
type Executor = Awaited<ReturnType<GatewayInterface['load']>>['executor'];

/**
 * Apollo Gateway as Apollo Server sees it (schema loading, hot reload, stop), with its executor
 * replaced by ours: Apollo keeps loading and composing the supergraph and building the subgraphs'
 * data sources, and every operation is planned and executed by `executor`.
 */
export function withPlanExecutor(gateway: ApolloGateway, executor: PlanExecutor): GatewayInterface {
  return {
    async load(options) {
      const { schema } = await gateway.load(options);
      return { schema, executor: executor.execute as unknown as Executor };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
}

export type { ExecutorRequestContext };
