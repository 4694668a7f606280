/**
 * The `@cacheControl` directive and its scope enum (Apollo's semantics), for a subgraph's SDL.
 * The subgraph also imports it with `@link(url: "https://intelgraph.dev/cache/v1.0",
 * import: ["@cacheControl"])` and `@composeDirective(name: "@cacheControl")`, so the hints reach
 * the supergraph, where the gateway reads them; Apollo Server reads them for the subgraph's own
 * `Cache-Control` header. Tenant data is PRIVATE: cached per user by the gateway, never by a CDN
 * (a CDN's cache key has no tenant).
 */
export const cacheControlDefinitions = /* GraphQL */ `
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION

  "Who may share a cached answer: PRIVATE answers are cached per user, never by a shared cache (CDN)."
  enum CacheControlScope {
    PUBLIC
    PRIVATE
  }
`;
