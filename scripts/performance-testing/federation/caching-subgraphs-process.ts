/**
 * Child process for the caching benchmark: the four classic in-memory subgraphs, each answering
 * after SUBGRAPH_DELAY_MS (default 0) — the cost of a real subgraph's database round trip, which
 * the in-memory fixtures do not have. Same IPC protocol as `subgraphs-process.ts`.
 */
import { startClassicSubgraphs } from '@intelgraph/gateway/testing';

const subgraphs = await startClassicSubgraphs({ authDirectives: false });
for (const s of subgraphs.all) s.delayMs = Number(process.env.SUBGRAPH_DELAY_MS ?? '0');
process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') process.send?.({ type: 'stats', calls: subgraphs.totalCalls() });
  if (message.type === 'stop') void subgraphs.stop().then(() => process.exit(0));
});
process.send?.({
  type: 'ready',
  subgraphs: subgraphs.all.map((s) => ({ name: s.name, url: s.url, sdl: s.sdl })),
});
