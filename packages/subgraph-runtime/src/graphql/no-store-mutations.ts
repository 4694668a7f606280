import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

/**
 * Makes Apollo Server's cache-control plugin (on by default: it computes the `Cache-Control`
 * response header from the schema's `@cacheControl` hints) answer `no-store` to mutations and
 * subscriptions. Without it, a mutation returning a hinted type (`updateEntity: Entity!`) would
 * be sent as `max-age=60, private`. Queries keep Apollo's computation: `max-age=N, public|private`
 * from the hints, `no-store` when any part is uncacheable or the response has errors.
 */
export function noStoreMutationsPlugin<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, overallCachePolicy }) {
          if (operation?.operation !== 'query') overallCachePolicy.restrict({ maxAge: 0 });
        },
      };
    },
  };
}
