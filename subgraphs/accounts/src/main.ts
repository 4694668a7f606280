import { loadConfigOrExit, startOrExit } from '@intelgraph/config';
import { startSubgraph, stopOnSignals } from '@intelgraph/subgraph-runtime';
import { accountsSubgraph } from './accounts-subgraph.js';
import { configSpec } from './config.js';

const config = loadConfigOrExit('accounts', configSpec);
const running = await startOrExit('accounts', () => startSubgraph(accountsSubgraph, config));
stopOnSignals(running);
