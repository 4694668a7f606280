import { type ErrorCode, IntelGraphError } from '@intelgraph/errors';
import type { FragmentDefinitionNode } from 'graphql';
import type { GatewayPlugin } from '../plugin.js';
import { estimateCost } from './analyze-operation.js';
import type { OperationAnalyzer } from './operation-analyzer.js';

export interface LimitsOptions {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxRootFields: number;
  readonly maxDirectives: number;
  readonly maxCost: number;
}

export const DEFAULT_LIMITS: LimitsOptions = {
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
  maxCost: 5000,
};

function refuse(code: ErrorCode, what: string, value: number, limit: number): IntelGraphError {
  return new IntelGraphError(code, `Query ${what} is ${value}; the limit is ${limit}`, {
    input: value,
    details: { [what]: value, limit },
  });
}

/**
 * Refuses operations over the limits before the gateway plans them. Token count and fragment
 * cycles are refused while parsing (`OperationAnalyzer`); this plugin judges the measures.
 */
export function useLimits(analyzer: OperationAnalyzer, options: Partial<LimitsOptions> = {}): GatewayPlugin {
  const limits = { ...DEFAULT_LIMITS, ...options };
  for (const [field, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new IntelGraphError('CONFIG_INVALID', `useLimits: ${field} must be a non-negative integer`, {
        input: value,
        details: { field },
      });
    }
  }
  return {
    name: 'limits',
    onOperation(state, analysis) {
      if (analysis.depth > limits.maxDepth)
        throw refuse('QUERY_TOO_DEEP', 'depth', analysis.depth, limits.maxDepth);
      if (analysis.aliases > limits.maxAliases) {
        throw refuse('QUERY_TOO_MANY_ALIASES', 'aliases', analysis.aliases, limits.maxAliases);
      }
      if (analysis.rootFields > limits.maxRootFields) {
        throw refuse('QUERY_TOO_MANY_ROOT_FIELDS', 'rootFields', analysis.rootFields, limits.maxRootFields);
      }
      if (analysis.directives > limits.maxDirectives) {
        throw refuse('QUERY_TOO_MANY_DIRECTIVES', 'directives', analysis.directives, limits.maxDirectives);
      }
      let cost = analysis.cost;
      if (analysis.costUsesVariables && analysis.operation) {
        const fragments = new Map<string, FragmentDefinitionNode>();
        for (const d of analysis.document.definitions) {
          if (d.kind === 'FragmentDefinition') fragments.set(d.name.value, d);
        }
        cost = estimateCost(
          analysis.operation,
          fragments,
          analyzer.schema,
          analyzer.defaultListSize,
          state.params.variables,
        ).cost;
      }
      if (cost > limits.maxCost) throw refuse('QUERY_TOO_COSTLY', 'cost', cost, limits.maxCost);
    },
  };
}
