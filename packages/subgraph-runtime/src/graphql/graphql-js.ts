import { createRequire } from 'node:module';

/**
 * graphql-js loaded as `@apollo/subgraph` loads it (CommonJS). graphql-js checks `instanceof`
 * across its own classes; a runner resolving the package's `module` field (Vitest) would give
 * an `import 'graphql'` the ESM copy while the subgraph schema was built with the CJS one
 * ("Cannot use GraphQLSchema from another module or realm"). Requiring it pins one copy for
 * the code that executes against that schema (the subscription server).
 */
export const graphqlJs: typeof import('graphql') = createRequire(import.meta.url)('graphql');
