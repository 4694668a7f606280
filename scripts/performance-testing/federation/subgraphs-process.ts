/**
 * Child process: the four classic in-memory subgraphs. Sends their URLs and SDLs to the parent
 * over IPC, then answers `stats` with the total number of subgraph requests served.
 */
import { startClassicSubgraphs } from '@intelgraph/gateway/testing';

const subgraphs = await startClassicSubgraphs({ authDirectives: false });
process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') process.send?.({ type: 'stats', calls: subgraphs.totalCalls() });
  if (message.type === 'stop') void subgraphs.stop().then(() => process.exit(0));
});
process.send?.({
  type: 'ready',
  subgraphs: subgraphs.all.map((s) => ({ name: s.name, url: s.url, sdl: s.sdl })),
});
