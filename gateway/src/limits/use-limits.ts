import { type ErrorCode, IntelGraphError } from '@intelgraph/errors';
import type { GatewayPlugin } from '../plugin.js';

export interface LimitsOptions {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxRootFields: number;
  readonly maxDirectives: number;
}

export const DEFAULT_LIMITS: LimitsOptions = {
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
};

function refuse(code: ErrorCode, what: string, value: number, limit: number): IntelGraphError {
  return new IntelGraphError(code, `Query ${what} is ${value}; the limit is ${limit}`, {
    input: value,
    details: { [what]: value, limit },
  });
}

/**
 * Refuses operations over the limits before the gateway plans them. Token count and fragment
 * cycles are refused while parsing (`OperationAnalyzer`); this plugin judges the measures. Cost
 * is judged by `useDemandControl`, which needs the supergraph's `@cost`/`@listSize`.
 */
export function useLimits(options: Partial<LimitsOptions> = {}): GatewayPlugin {
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
    onOperation(_state, analysis) {
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
    },
  };
}
