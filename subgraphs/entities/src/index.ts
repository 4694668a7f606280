export { configSpec } from './config.js';
export { createEntitiesSubgraph, ENTITIES_EVENT_SCHEMA, entitiesSubgraph } from './entities-subgraph.js';
export { entitiesMigrations } from './migrations.js';
export { entitiesTypeDefs } from './schema.js';
export { seedEntities } from './seed.js';
