import {
  cacheControlDefinitions,
  connectionDefinitions,
  pageInfoDefinition,
} from '@intelgraph/subgraph-runtime';
import { parse } from 'graphql';

export const investigationsTypeDefs = parse(/* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@composeDirective", "@listSize"])
    @link(url: "https://intelgraph.dev/cache/v1.0", import: ["@cacheControl"])
    @composeDirective(name: "@cacheControl")

  ${cacheControlDefinitions}

  enum InvestigationStatus {
    OPEN
    CLOSED
  }

  "An analyst's case: a set of entities under study. Event-sourced; this is its projection."
  type Investigation @key(fields: "id") @cacheControl(maxAge: 60, scope: PRIVATE) {
    "Routable: embeds the tenant (<tenant>:<uuid>)."
    id: ID!
    title: String!
    description: String!
    status: InvestigationStatus!
    "Resolved by the accounts subgraph."
    createdBy: User!
    createdAt: String!
    closedAt: String
    "The version of the investigation's event stream."
    version: Int!
    """
    The entities under study, in the order they were added; resolved by the entities subgraph.
    An item is null when entities has no such entity (addEntity checks the id's form and tenant;
    existence is the entities subgraph's to know).
    """
    # Not capped: @listSize gives the size cost estimates assume.
    entities: [Entity]! @listSize(assumedSize: 50)
    entityCount: Int!
  }

  "Entities are owned by the entities subgraph; this one adds the investigations each is part of."
  type Entity @key(fields: "id") @cacheControl(maxAge: 60, scope: PRIVATE) {
    id: ID!
    # Not capped: @listSize gives the size cost estimates assume.
    investigations: [Investigation!]! @listSize(assumedSize: 20)
  }

  type User @key(fields: "id", resolvable: false) @cacheControl(maxAge: 60, scope: PRIVATE) {
    id: ID!
  }

  ${connectionDefinitions('Investigation')}

  ${pageInfoDefinition}

  type Query {
    "An investigation of the caller's tenant; NOT_FOUND otherwise."
    investigation(id: ID!): Investigation
    investigations(first: Int, after: String, status: InvestigationStatus): InvestigationConnection!
      @cacheControl(maxAge: 60, scope: PRIVATE)
      @listSize(slicingArguments: ["first"], sizedFields: ["edges"], assumedSize: 20, requireOneSlicingArgument: false)
  }

  "What happened to an investigation (its event types)."
  enum InvestigationEventType {
    INVESTIGATION_CREATED
    ENTITY_ADDED
    INVESTIGATION_CLOSED
  }

  "One event of an investigation, as a subscription delivers it."
  type InvestigationUpdate {
    "The event's position in the tenant's event log: pass it as \`after\` to resume after it."
    position: String!
    eventId: ID!
    type: InvestigationEventType!
    "When it happened (ISO 8601)."
    at: String!
    "The investigation after this event (its current state when read)."
    investigation: Investigation!
    "The entity an ENTITY_ADDED event added; resolved by the entities subgraph."
    entity: Entity
  }

  type Subscription {
    "Each change of one investigation of the caller's tenant. \`after\`: resume after that position (missed events first)."
    investigationUpdated(id: ID!, after: String): InvestigationUpdate!
    "Every investigation event of the caller's tenant, optionally of some types only."
    investigationEvents(types: [InvestigationEventType!], after: String): InvestigationUpdate!
  }

  input CreateInvestigationInput {
    title: String!
    description: String
  }

  type Mutation {
    "Appends InvestigationCreated. Needs the write scope."
    createInvestigation(input: CreateInvestigationInput!): Investigation!
    "Appends EntityAdded (nothing when the entity is already in it). INVESTIGATION_CLOSED when closed."
    addEntity(investigationId: ID!, entityId: ID!): Investigation!
    "Appends InvestigationClosed. INVESTIGATION_CLOSED when already closed."
    closeInvestigation(id: ID!, expectedVersion: Int): Investigation!
  }
`);
