import { loadConfigOrExit, startOrExit } from '@intelgraph/config';
import { startSubgraph, stopOnSignals } from '@intelgraph/subgraph-runtime';
import { configSpec } from './config.js';
import { investigationsSubgraph } from './investigations-subgraph.js';

const config = loadConfigOrExit('investigations', configSpec);
const running = await startOrExit('investigations', () => startSubgraph(investigationsSubgraph, config));
stopOnSignals(running);
