export { accountsSubgraph } from './accounts-subgraph.js';
export { configSpec } from './config.js';
export { accountsMigrations } from './migrations.js';
export { accountsTypeDefs } from './schema.js';
export { seedAccounts } from './seed.js';
