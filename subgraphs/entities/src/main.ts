import { loadConfigOrExit, startOrExit } from '@intelgraph/config';
import { startSubgraph, stopOnSignals } from '@intelgraph/subgraph-runtime';
import { configSpec } from './config.js';
import { entitiesSubgraph } from './entities-subgraph.js';

const config = loadConfigOrExit('entities', configSpec);
const running = await startOrExit('entities', () => startSubgraph(entitiesSubgraph, config));
stopOnSignals(running);
