import {
  cacheControlDefinitions,
  connectionDefinitions,
  pageInfoDefinition,
} from '@intelgraph/subgraph-runtime';
import { parse } from 'graphql';

export const entitiesTypeDefs = parse(/* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@external", "@requires", "@composeDirective", "@listSize"])
    @link(url: "https://intelgraph.dev/cache/v1.0", import: ["@cacheControl"])
    @composeDirective(name: "@cacheControl")

  ${cacheControlDefinitions}

  enum EntityKind {
    PERSON
    ORGANISATION
    LOCATION
    EVENT
    DOCUMENT
    OTHER
  }

  "Something an analyst tracks: a person, an organisation, a place, …"
  type Entity @key(fields: "id") @cacheControl(maxAge: 60, scope: PRIVATE) {
    "Routable: embeds the tenant (<tenant>:<uuid>)."
    id: ID!
    kind: EntityKind!
    name: String!
    "At most 50 (createEntity/updateEntity refuse more)."
    attributes: [Attribute!]! @listSize(assumedSize: 50)
    "Resolved by the accounts subgraph."
    createdBy: User!
    createdAt: String!
    updatedAt: String!
    "Bumped by every change; pass it as expectedVersion to update without losing a concurrent change."
    version: Int!
    "Links from and to this entity, newest first."
    relationships(first: Int, after: String): RelationshipConnection!
      @listSize(slicingArguments: ["first"], sizedFields: ["edges"], assumedSize: 20, requireOneSlicingArgument: false)
    relationshipCount: Int!
  }

  type Attribute @cacheControl(inheritMaxAge: true) {
    key: String!
    value: String!
  }

  type Relationship @cacheControl(maxAge: 60, scope: PRIVATE) {
    id: ID!
    kind: String!
    from: Entity!
    to: Entity!
    createdAt: String!
  }

  ${connectionDefinitions('Relationship')}

  ${connectionDefinitions('Entity')}

  ${pageInfoDefinition}

  "Users are owned by accounts; this subgraph adds what each user created."
  type User @key(fields: "id") @cacheControl(maxAge: 60, scope: PRIVATE) {
    id: ID!
    name: String! @external
    createdEntities(first: Int, after: String): EntityConnection!
      @listSize(slicingArguments: ["first"], sizedFields: ["edges"], assumedSize: 20, requireOneSlicingArgument: false)
    entityCount: Int!
    "Needs the user's name from accounts: the gateway fetches it first (@requires)."
    entitySummary: String! @requires(fields: "name")
  }

  "One change of an entity, as a subscription delivers it."
  type EntityChange {
    "The event's position in the tenant's event log: pass it as \`after\` to resume after it."
    position: String!
    eventId: ID!
    "ENTITY_CREATED or ENTITY_UPDATED."
    type: String!
    "When it happened (ISO 8601)."
    at: String!
    "The entity after this change (its current state when read)."
    entity: Entity!
  }

  type Subscription {
    "Each change of one entity of the caller's tenant. \`after\`: resume after that position (missed changes first)."
    entityChanged(id: ID!, after: String): EntityChange!
  }

  type Query {
    "An entity of the caller's tenant; NOT_FOUND otherwise."
    entity(id: ID!): Entity
    entities(first: Int, after: String, kind: EntityKind): EntityConnection!
      @cacheControl(maxAge: 60, scope: PRIVATE)
      @listSize(slicingArguments: ["first"], sizedFields: ["edges"], assumedSize: 20, requireOneSlicingArgument: false)
  }

  input AttributeInput {
    key: String!
    value: String!
  }

  input CreateEntityInput {
    kind: EntityKind!
    name: String!
    attributes: [AttributeInput!]
  }

  input UpdateEntityInput {
    name: String
    "Replaces every attribute."
    attributes: [AttributeInput!]
    "Fail with CONCURRENCY_CONFLICT unless the entity is at this version."
    expectedVersion: Int
  }

  input LinkEntitiesInput {
    fromId: ID!
    toId: ID!
    kind: String!
  }

  type Mutation {
    "Needs the write scope."
    createEntity(input: CreateEntityInput!): Entity!
    "Needs the write scope. Emits EntityUpdated."
    updateEntity(id: ID!, input: UpdateEntityInput!): Entity!
    "Needs the write scope. Linking the same pair with the same kind again returns the existing link."
    linkEntities(input: LinkEntitiesInput!): Relationship!
  }
`);
