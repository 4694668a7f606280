import { loadConfigOrExit } from '@intelgraph/config';
import { startSubgraph, stopOnSignals } from '@intelgraph/subgraph-runtime';
import { configSpec } from './config.js';
import { investigationsSubgraph } from './investigations-subgraph.js';

const config = loadConfigOrExit('investigations', configSpec);
const running = await startSubgraph(investigationsSubgraph, config);
stopOnSignals(running);
