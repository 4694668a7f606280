import { IntelGraphError } from '@intelgraph/errors';
import type { FragmentDefinitionNode } from 'graphql';
import type { OperationAnalysis } from '../limits/analyze-operation.js';
import type { GatewayPlugin } from '../plugin.js';
import { type IntrospectionMeasure, measureIntrospection } from './introspection-depth.js';

export interface IntrospectionOptions {
  /** Serve `__schema` / `__type` (INTROSPECTION). `__typename` is always served. */
  readonly enabled: boolean;
  /** Deepest nesting of the recursive introspection lists (INTROSPECTION_MAX_DEPTH, default 2). */
  readonly maxDepth?: number;
}

export const DEFAULT_INTROSPECTION_MAX_DEPTH = 2;

/**
 * Introspection as its own switch and its own bound. Off, an operation selecting `__schema` or
 * `__type` is refused (INTROSPECTION_DISABLED) before planning; on, it is measured by the nesting
 * of the introspection lists that recurse into types (INTROSPECTION_TOO_DEEP past `maxDepth`)
 * instead of by MAX_DEPTH, which the standard introspection query (`ofType` nine levels deep)
 * exceeds while costing little. The measure is kept per analysed document, so a repeated query
 * (GraphiQL's, on every page load) is judged once.
 */
export function useIntrospection(options: IntrospectionOptions): GatewayPlugin {
  const maxDepth = options.maxDepth ?? DEFAULT_INTROSPECTION_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1) {
    throw new IntelGraphError('CONFIG_INVALID', 'useIntrospection: maxDepth must be an integer ≥ 1', {
      input: maxDepth,
      details: { field: 'INTROSPECTION_MAX_DEPTH' },
    });
  }
  const measures = new WeakMap<OperationAnalysis, IntrospectionMeasure>();
  const measure = (analysis: OperationAnalysis): IntrospectionMeasure => {
    let m = measures.get(analysis);
    if (m === undefined) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const d of analysis.document.definitions)
        if (d.kind === 'FragmentDefinition') fragments.set(d.name.value, d);
      m = analysis.operation
        ? measureIntrospection(analysis.operation, fragments)
        : { introspects: false, listDepth: 0 };
      measures.set(analysis, m);
    }
    return m;
  };
  return {
    name: 'introspection',
    onOperation(_state, analysis) {
      const m = measure(analysis);
      if (!m.introspects) return;
      if (!options.enabled) {
        throw new IntelGraphError('INTROSPECTION_DISABLED', 'Introspection is disabled on this gateway');
      }
      if (m.listDepth > maxDepth) {
        throw new IntelGraphError(
          'INTROSPECTION_TOO_DEEP',
          `Introspection nests its type lists ${m.listDepth} deep; the limit is ${maxDepth}`,
          { input: m.listDepth, details: { depth: m.listDepth, limit: maxDepth } },
        );
      }
    },
  };
}
