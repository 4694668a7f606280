import {
  cacheControlDefinitions,
  connectionDefinitions,
  pageInfoDefinition,
} from '@intelgraph/subgraph-runtime';
import { parse } from 'graphql';

export const accountsTypeDefs = parse(/* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@composeDirective", "@listSize"])
    @link(url: "https://intelgraph.dev/cache/v1.0", import: ["@cacheControl"])
    @composeDirective(name: "@cacheControl")

  ${cacheControlDefinitions}

  "A customer organisation. Every row of the platform belongs to one; it is the shard key."
  type Tenant @key(fields: "id") @cacheControl(maxAge: 60, scope: PRIVATE) {
    id: ID!
    name: String!
    createdAt: String!
    # @listSize: the gateway sizes the edges by first (else the default page, 20) for cost.
    users(first: Int, after: String): UserConnection!
      @listSize(slicingArguments: ["first"], sizedFields: ["edges"], assumedSize: 20, requireOneSlicingArgument: false)
    userCount: Int!
  }

  type User @key(fields: "id") @cacheControl(maxAge: 60, scope: PRIVATE) {
    "Routable: embeds the tenant (<tenant>:<uuid>)."
    id: ID!
    tenant: Tenant!
    email: String!
    name: String!
    role: Role!
    createdAt: String!
  }

  enum Role {
    ADMIN
    ANALYST
    VIEWER
  }

  ${connectionDefinitions('User')}

  ${pageInfoDefinition}

  type Query {
    "The caller (from the gateway's identity); null for an anonymous identity."
    me: User
    "A user of the caller's tenant; NOT_FOUND otherwise."
    user(id: ID!): User
    "The caller's tenant."
    tenant: Tenant
    users(first: Int, after: String): UserConnection!
      @cacheControl(maxAge: 30, scope: PRIVATE)
      @listSize(slicingArguments: ["first"], sizedFields: ["edges"], assumedSize: 20, requireOneSlicingArgument: false)
  }

  input CreateTenantInput {
    name: String!
  }

  input CreateUserInput {
    email: String!
    name: String!
    role: Role = ANALYST
  }

  type Mutation {
    "Registers the caller's tenant (its id comes from the identity). Needs the admin scope."
    createTenant(input: CreateTenantInput!): Tenant!
    "Adds a user to the caller's tenant. Needs the admin scope."
    createUser(input: CreateUserInput!): User!
  }
`);
