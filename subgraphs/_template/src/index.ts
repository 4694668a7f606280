export { __camel__Subgraph } from './__name__-subgraph.js';
export { configSpec } from './config.js';
export { __camel__Migrations } from './migrations.js';
export { __camel__TypeDefs } from './schema.js';
