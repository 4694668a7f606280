import { loadConfigOrExit, startOrExit } from '@intelgraph/config';
import { startSubgraph, stopOnSignals } from '@intelgraph/subgraph-runtime';
import { __camel__Subgraph } from './__name__-subgraph.js';
import { configSpec } from './config.js';

const config = loadConfigOrExit('__name__', configSpec);
stopOnSignals(await startOrExit('__name__', () => startSubgraph(__camel__Subgraph, config)));
