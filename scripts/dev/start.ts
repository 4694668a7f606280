/**
 * `pnpm start`: every subgraph of subgraphs/ and the gateway on embedded defaults, a seeded demo
 * tenant, the URL, a demo token and an example query; Ctrl-C stops everything. The launcher is
 * gateway/src/dev/start-platform.ts (where the platform packages resolve).
 */
await import('../../gateway/src/dev/start-platform.js');
