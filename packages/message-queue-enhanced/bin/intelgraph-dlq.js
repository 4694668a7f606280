#!/usr/bin/env node
// Runs the built command (dist, from `pnpm build`): plain JavaScript, no TypeScript loader.
await import('../dist/rabbitmq/dlq-cli.js');
