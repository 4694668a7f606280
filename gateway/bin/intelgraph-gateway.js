#!/usr/bin/env node
// Runs the built CLI (gateway/dist, from `pnpm build`): plain JavaScript, no TypeScript loader.
await import('../dist/cli.js');
