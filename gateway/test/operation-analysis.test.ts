import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { analyzeOperation } from '../src/limits/analyze-operation.js';
import { OperationAnalyzer } from '../src/limits/operation-analyzer.js';

// Cost is measured by useDemandControl (test/cost-model.test.ts), not by the parse-time analysis.
const options = { maxTokens: 1000 };

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return IntelGraphError.is(e) ? e.code : 'OTHER';
  }
  return undefined;
};

describe('analyzeOperation', () => {
  it('measures depth, aliases, root fields (through fragments) and directives', () => {
    const a = analyzeOperation(
      'query Q { me { ...F } x: me @include(if: true) { id } } fragment F on User { friends(first: 2) { y: name @skip(if: false) } }',
      undefined,
      options,
    );
    expect([a.depth, a.aliases, a.rootFields, a.directives, a.operationType]).toEqual([3, 2, 2, 2, 'query']);
  });

  it('refuses fragment cycles, token floods and bad syntax with their codes', () => {
    expect(
      codeOf(() => analyzeOperation('{ me { ...A } } fragment A on User { ...A }', undefined, options)),
    ).toBe('FRAGMENT_CYCLE');
    expect(codeOf(() => analyzeOperation(`{ ${'me { id } '.repeat(300)} }`, undefined, options))).toBe(
      'QUERY_TOO_MANY_TOKENS',
    );
    expect(codeOf(() => analyzeOperation('{ me {', undefined, options))).toBe('QUERY_PARSE_FAILED');
  });

  it('handles a long fragment chain without recursion trouble', () => {
    const chain = Array.from(
      { length: 300 },
      (_, i) => `fragment F${i} on User { ${i < 299 ? `...F${i + 1}` : 'id'} }`,
    ).join(' ');
    const a = analyzeOperation(`{ me { ...F0 } } ${chain}`, undefined, { ...options, maxTokens: 100_000 });
    expect(a.depth).toBe(2);
  });
});

describe('OperationAnalyzer', () => {
  it('keeps a bounded cache however many distinct bad queries arrive (memory stays flat)', () => {
    const analyzer = new OperationAnalyzer({ maxTokens: 1000, cacheSize: 100 });
    for (let i = 0; i < 2000; i++) {
      expect(codeOf(() => analyzer.analyze(`{ me${i} {`, undefined))).toBe('QUERY_PARSE_FAILED');
    }
    expect(analyzer.size).toBe(100);
  });
});
