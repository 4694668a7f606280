#!/usr/bin/env node
// Runs the built CLI (packages/database-sharding/dist, from `pnpm build`): plain JavaScript, no TypeScript loader.
await import('../dist/cli/main.js');
