import { ERRORS, errorCodeDef } from '@apollo/federation-internals';
import type { FetchNode, ResponsePath } from '@apollo/query-planner';
import type { GraphQLError, GraphQLErrorOptions, GraphQLFormattedError } from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { ResultCursor } from './result-cursor.js';

const { GraphQLError: GraphQLErrorClass } = graphqlJs;

type ErrorPath = GraphQLErrorOptions['path'];

/**
 * A subgraph's error as the client sees it, exactly as Apollo Gateway reports it: the message
 * (or a default naming the subgraph), the subgraph's extensions plus `serviceName`, the code
 * kept (DOWNSTREAM_SERVICE_ERROR when it had none), and the path moved from the subgraph
 * operation into the client's response.
 */
export function downstreamServiceError(
  original: GraphQLFormattedError,
  serviceName: string,
  pathOf: (path: ErrorPath) => ErrorPath,
): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const options: GraphQLErrorOptions = {
    originalError: original as unknown as Error,
    path: pathOf(original.path),
    extensions: { ...original.extensions, serviceName },
  };
  const codeDef = errorCodeDef(original as unknown as GraphQLError);
  if (!codeDef && original.extensions?.code) return new GraphQLErrorClass(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

/**
 * Maps a subgraph error's path into the client's response (Apollo Gateway's lazy generator, after
 * Apollo Router): for an `_entities` fetch, index N of `_entities` becomes the Nth entity's place
 * under the cursor, computed only when an error needs it.
 */
export function errorPathGenerator(
  fetch: FetchNode,
  cursor: ResultCursor,
  fullResult: Record<string, unknown>,
): (path: ErrorPath) => ErrorPath {
  let hydrated: ResponsePath[] | undefined;
  return (path) => {
    if (fetch.requires && typeof path?.[1] === 'number') {
      if (!hydrated) {
        hydrated = [];
        hydratePaths([], cursor.path, 0, fullResult, hydrated);
      }
      return [...(hydrated[path[1]] ?? []), ...path.slice(2)];
    }
    return path ? [...cursor.path, ...path] : undefined;
  };
}

function hydratePaths(
  parent: ResponsePath,
  path: ResponsePath,
  at: number,
  data: unknown,
  out: ResponsePath[],
): void {
  if (data === null || data === undefined) return;
  const head = path[at];
  if (head === undefined) {
    out.push(parent.slice());
  } else if (head === '@') {
    if (!Array.isArray(data)) return;
    data.forEach((value, i) => {
      parent.push(i);
      hydratePaths(parent, path, at + 1, value, out);
      parent.pop();
    });
  } else if (typeof head === 'string') {
    if (Array.isArray(data)) {
      data.forEach((value, i) => {
        parent.push(i);
        hydratePaths(parent, path, at, value, out);
        parent.pop();
      });
    } else if (Object.hasOwn(data as object, head)) {
      parent.push(head);
      hydratePaths(parent, path, at + 1, (data as Record<string, unknown>)[head], out);
      parent.pop();
    }
  }
}
