import { cacheControlDefinitions } from '@intelgraph/subgraph-runtime';
import { parse } from 'graphql';

/** The __name__ subgraph's schema. Add types here; `pnpm schema:check` tells you what breaks clients. */
export const __camel__TypeDefs = parse(/* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@composeDirective", "@listSize"])
    @link(url: "https://intelgraph.dev/cache/v1.0", import: ["@cacheControl"])
    @composeDirective(name: "@cacheControl")

  ${cacheControlDefinitions}

  "One __Name__ note of the caller's tenant."
  type __Name__Note @key(fields: "id") @cacheControl(maxAge: 60, scope: PRIVATE) {
    id: ID!
    text: String!
    createdAt: String!
  }

  type Query {
    "The caller's tenant's notes, newest first."
    __camel__Notes(first: Int = 20): [__Name__Note!]!
      @cacheControl(maxAge: 30, scope: PRIVATE)
      @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)
  }

  type Mutation {
    add__Name__Note(text: String!): __Name__Note! @authenticated
    "Replaces a note's text (NOT_FOUND for a missing or another tenant's note)."
    edit__Name__Note(id: ID!, text: String!): __Name__Note! @authenticated
  }
`);
