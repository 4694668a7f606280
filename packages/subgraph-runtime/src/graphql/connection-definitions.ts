/**
 * The SDL of the Relay connections `toConnection` returns, so that every subgraph declares them
 * the same way. `PageInfo` is `@shareable`: every subgraph with a connection defines it, and
 * composition needs the definitions to agree. Connections and edges inherit the cache hint of the
 * field that returns them (`@cacheControl(inheritMaxAge: true)`), like the rest of a subgraph's
 * types; the subgraph imports `@shareable` and `@cacheControl` (see `cacheControlDefinitions`).
 */
export const pageInfoDefinition = /* GraphQL */ `
  type PageInfo @shareable @cacheControl(inheritMaxAge: true) {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
`;

/** `<Node>Connection` and `<Node>Edge` for the type `node` (with `pageInfoDefinition` once in the schema). */
export function connectionDefinitions(node: string): string {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(node))
    throw new Error(`connectionDefinitions: "${node}" is not a type name`);
  return /* GraphQL */ `
  type ${node}Connection @cacheControl(inheritMaxAge: true) {
    edges: [${node}Edge!]!
    pageInfo: PageInfo!
  }

  type ${node}Edge @cacheControl(inheritMaxAge: true) {
    cursor: String!
    node: ${node}!
  }
`;
}
