import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { FetchNode } from '@apollo/query-planner';
import type { GraphQLFormattedError } from 'graphql';
import { cloneJson } from '../subgraph-fetch/clone-json.js';
import { applyRewrites } from './data-rewrites.js';
import { downstreamServiceError, errorPathGenerator } from './downstream-error.js';
import type { ExecutionContext } from './execution-context.js';
import { representationOf } from './representation.js';
import type { ResultCursor } from './result-cursor.js';

type ResultMap = Record<string, unknown>;

/**
 * One `Fetch` node: the subgraph operation sent through the gateway's fetch pipeline (dedup,
 * breaker, retry, entity cache), its errors located into the client's response, its data merged
 * into the request's result tree without writing to the answer itself (it may be shared). The
 * semantics are Apollo Gateway's `executeFetch`, failures included: a throw here is caught by
 * the caller and reported next to the rest of the data.
 */
export async function executeFetch(
  context: ExecutionContext,
  fetch: FetchNode,
  cursor: ResultCursor,
): Promise<void> {
  const dataSource = context.dataSources.get(fetch.serviceName);
  if (!dataSource) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  const entities = Array.isArray(cursor.data)
    ? cursor.data.filter((e) => e !== null && e !== undefined)
    : [cursor.data];
  if (entities.length < 1) return;

  const variables: ResultMap = Object.create(null);
  for (const name of fetch.variableUsages ?? []) {
    if (Object.hasOwn(context.variables, name) && context.variables[name] !== undefined)
      variables[name] = context.variables[name];
  }

  const send = async (vars: ResultMap): Promise<ResultMap | null | undefined> => {
    const response = await dataSource.process({
      kind: 'incoming operation',
      request: { query: fetch.operation, variables: vars, operationName: fetch.operationName },
      incomingRequestContext: context.requestContext,
      context: context.state,
      document: fetch.operationDocumentNode,
      pathInIncomingRequest: cursor.path,
    } as unknown as GraphQLDataSourceProcessOptions<typeof context.state>);
    if (response.errors) {
      const pathOf = errorPathGenerator(fetch, cursor, context.tree.root);
      for (const error of response.errors)
        context.errors.push(
          downstreamServiceError(error as GraphQLFormattedError, fetch.serviceName, pathOf),
        );
    }
    return response.data as ResultMap | null | undefined;
  };

  if (!fetch.requires) {
    let data = await send(variables);
    if (data && fetch.outputRewrites) data = context.tree.adopt(rewritten(context, fetch, data));
    for (const entity of entities) context.tree.merge(entity, data);
    return;
  }

  const representations: ResultMap[] = [];
  const representationToEntity: number[] = [];
  entities.forEach((entity, index) => {
    const representation = representationOf(context.supergraphSchema, entity, fetch.requires!);
    if (representation?.__typename) {
      applyRewrites(context.supergraphSchema, fetch.inputRewrites, representation);
      representations.push(representation);
      representationToEntity.push(index);
    }
  });
  if (representations.length < 1) return;
  if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
  const data = await send({ ...variables, representations });
  if (!data) return;
  const received = data._entities;
  if (!Array.isArray(received)) throw new Error(`Expected "data._entities" in response to be an array`);
  if (received.length !== representations.length)
    throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
  for (let i = 0; i < representations.length; i++) {
    let entity = received[i] as ResultMap | null | undefined;
    if (entity && fetch.outputRewrites) entity = rewritten(context, fetch, entity);
    // Apollo Gateway sets a missing __typename from the entity it merges into, which has it (the
    // representation was built from it): merging without it gives the same tree.
    context.tree.merge(entities[representationToEntity[i]!]!, entity);
  }
}

/** A copy of a subgraph answer with the fetch's output rewrites applied (the answer may be shared). */
function rewritten(context: ExecutionContext, fetch: FetchNode, data: ResultMap): ResultMap {
  const copy = cloneJson(data);
  applyRewrites(context.supergraphSchema, fetch.outputRewrites, copy);
  return copy;
}
