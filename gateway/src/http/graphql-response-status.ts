import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestState } from '../plugin.js';
import { type GraphQLMediaType, responseMediaType } from './media-type.js';
import { bearerChallenge } from './www-authenticate.js';

/**
 * The HTTP status of an executed GraphQL response, as GraphQL over HTTP says:
 *  - a response with `data` (even `null`) is a GraphQL response whose errors are field errors:
 *    200, in both media types. The status of one field's error (a subgraph's NOT_FOUND carrying
 *    `http.status` 404) must not turn the whole response into an error: Apollo Client and urql
 *    drop the data of a non-2xx response;
 *  - a request error (no `data`: the document does not validate, a variable does not coerce) is
 *    200 for `application/json` (the request was well-formed) and 4xx for
 *    `application/graphql-response+json`, which exists so clients can tell;
 *  - a 5xx without data is the gateway's own failure and stays what it is — unless every error is
 *    one the federation planner raises for an operation it cannot plan (`INVALID_GRAPHQL`, e.g. an
 *    introspection field graphql-js knows and the planner does not, such as `isOneOf`), which
 *    Apollo Server reports as 500 although the operation is what is wrong.
 */
export function graphqlResponseStatus(
  mediaType: GraphQLMediaType,
  status: number | undefined,
  hasData: boolean,
  errorCodes: readonly unknown[] = [],
): number {
  if (hasData) return 200;
  const requestError = errorCodes.length > 0 && errorCodes.every((c) => c === 'INVALID_GRAPHQL');
  if (status !== undefined && status >= 500 && !requestError) return status;
  if (mediaType === 'application/json') return 200;
  return status !== undefined && status >= 400 && status < 500 ? status : 400;
}

/** Applies `graphqlResponseStatus` to every response Apollo Server sends. */
export const graphqlOverHttpStatus: ApolloServerPlugin<RequestState> = {
  async requestDidStart() {
    return {
      async willSendResponse({ request, response }) {
        if (response.body.kind !== 'single') return;
        const mediaType = responseMediaType(request.http?.headers.get('accept'));
        const { data, errors } = response.body.singleResult;
        const status = graphqlResponseStatus(
          mediaType,
          response.http.status,
          data !== undefined,
          errors?.map((e) => e.extensions?.code) ?? [],
        );
        response.http.status = status;
        if (status === 401 && !response.http.headers.has('www-authenticate')) {
          const code = errors?.[0]?.extensions?.code;
          response.http.headers.set(
            'www-authenticate',
            bearerChallenge(typeof code === 'string' ? code : undefined),
          );
        }
      },
    };
  },
};
