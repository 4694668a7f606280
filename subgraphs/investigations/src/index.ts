export { configSpec } from './config.js';
export { rebuildProjection } from './domain/rebuild-projection.js';
export { INVESTIGATIONS_EVENT_SCHEMA, investigationsSubgraph } from './investigations-subgraph.js';
export { investigationsMigrations } from './migrations.js';
export { investigationsTypeDefs } from './schema.js';
export { seedInvestigations } from './seed.js';
