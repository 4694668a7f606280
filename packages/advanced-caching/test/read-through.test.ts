import { MultiTierCache } from '../src/index.js';
import { runReadThroughContract } from './contract/read-through.contract.js';

let n = 0;
runReadThroughContract('L1 only', async () => {
  const cache = new MultiTierCache({ name: 'read-through', prefix: `test:rt:${n++}` });
  return { cache, close: () => cache.close() };
});
