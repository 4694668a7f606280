import { createRequire } from 'node:module';

/**
 * graphql-js, loaded the way Apollo Gateway loads it (CommonJS). graphql-js checks
 * `instanceof` across its own classes, and a bundler or test runner that resolves the package's
 * `module` field would hand this code the ESM copy while the gateway builds schemas with the CJS
 * one ("Cannot use GraphQLObjectType from another module or realm"). Requiring it pins one copy.
 */
export const graphqlJs: typeof import('graphql') = createRequire(import.meta.url)('graphql');
