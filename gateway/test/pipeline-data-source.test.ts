import { describe, expect, it } from 'vitest';
import type { SubgraphRequest } from '../src/plugin.js';
import { PipelineDataSource } from '../src/subgraph-fetch/pipeline-data-source.js';

describe('PipelineDataSource', () => {
  it('sends subgraphs exactly the JSON of query, variables and operationName, for repeated and new operations', async () => {
    const sent: SubgraphRequest[] = [];
    const source = new PipelineDataSource(
      'things',
      'http://things.test/graphql',
      async (request) => {
        sent.push(request);
        return { status: 200, body: { data: {} } };
      },
      [],
    );
    const requests = [
      { query: 'query A { a(s: "quote \\" and \\\\ and \\u2028") }', variables: { x: [1, 'two'] } },
      {
        query: 'query A { a(s: "quote \\" and \\\\ and \\u2028") }',
        variables: { x: [3] },
        operationName: 'A',
      },
      { query: '{ b }' },
      { query: '{ b }', variables: null },
      { query: 'mutation M { m }', operationName: 'M' },
      { variables: { only: true } },
    ];
    for (const request of requests)
      await source.process({ kind: 'health check', request, context: {} } as never);
    expect(sent.map((r) => r.body)).toEqual(requests.map((r) => JSON.stringify(r)));
    expect(sent.map((r) => JSON.parse(r.body))).toEqual(requests.map((r) => JSON.parse(JSON.stringify(r))));
    expect(sent.map((r) => r.idempotent)).toEqual([true, true, true, true, false, true]);
  });
});
