/*
 * How should a waiter on a shared (deduplicated) subgraph fetch get its own copy of the answer?
 * Apollo Gateway merges later fetches into the parsed response in place, so waiters must not
 * share it. Candidates, per waiter:
 *   - structuredClone(body)
 *   - JSON.parse(text): re-parse the shared response text
 *   - cloneJson(body): a recursive copy of the JSON tree (src/subgraph-fetch/clone-json.ts)
 *   - deepFreeze(body): the first step of "freeze and copy on merge" (the copy on merge would
 *     have to happen inside Apollo Gateway's deepMerge, which writes into the fetched objects)
 * Run: npx --yes pnpm@10.34.9 --filter @intelgraph/gateway exec tsx --conditions=development bench/dedup-copy.ts
 */
import { cloneJson } from '../src/subgraph-fetch/clone-json.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function deepFreeze(value: Json): Json {
  if (typeof value === 'object' && value !== null) {
    if (Array.isArray(value)) for (const v of value) deepFreeze(v);
    else for (const k in value) deepFreeze(value[k]!);
    Object.freeze(value);
  }
  return value;
}

/** A `me { id name }` answer, and `_entities` answers of n products with reviews and authors. */
function small(): Json {
  return { data: { me: { __typename: 'User', id: '1', name: 'Ada Lovelace' } } };
}
function entities(n: number): Json {
  return {
    data: {
      _entities: Array.from({ length: n }, (_, i) => ({
        __typename: 'Product',
        upc: String(i),
        reviews: Array.from({ length: 3 }, (_, j) => ({
          __typename: 'Review',
          id: `${i}-${j}`,
          body: `Review ${j} of product ${i}, with a sentence or two of text in it.`,
          author: { __typename: 'User', id: String(j % 2), username: j % 2 ? '@complete' : '@ada' },
        })),
      })),
    },
  };
}

function measure(op: () => unknown): number {
  const samples: number[] = [];
  for (let round = 0; round < 7; round++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < 150) {
      for (let i = 0; i < 50; i++) op();
      n += 50;
      now = performance.now();
    }
    samples.push(((now - start) * 1e6) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[3]!;
}

/** Freezing a fresh tree each time: a pool of parsed copies per round, each frozen once. */
function measureFreeze(text: string): number {
  const samples: number[] = [];
  for (let round = 0; round < 7; round++) {
    const pool: Json[] = Array.from({ length: 2000 }, () => JSON.parse(text) as Json);
    const start = performance.now();
    for (const tree of pool) deepFreeze(tree);
    samples.push(((performance.now() - start) * 1e6) / pool.length);
  }
  samples.sort((a, b) => a - b);
  return samples[3]!;
}

const cases: [string, Json][] = [
  ['`me { id name }`', small()],
  ['`_entities` × 10', entities(10)],
  ['`_entities` × 100', entities(100)],
];
const rows: string[] = [];
for (const [label, body] of cases) {
  const text = JSON.stringify(body);
  const results = [
    measure(() => structuredClone(body)),
    measure(() => JSON.parse(text)),
    measure(() => cloneJson(body)),
    measureFreeze(text),
  ];
  rows.push(
    `| ${label} (${text.length} B) | ${results
      .map((ns) => (ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${Math.round(ns)} ns`))
      .join(' | ')} |`,
  );
}
console.log(`Node ${process.version}, per waiter copy, median of 7 × 150 ms`);
console.log('| response | structuredClone | JSON.parse(text) | cloneJson | deepFreeze only |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
