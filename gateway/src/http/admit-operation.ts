import type { OperationAnalysis } from '../limits/analyze-operation.js';
import type { OperationAnalyzer } from '../limits/operation-analyzer.js';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import { checkOperationSelection } from './select-operation.js';

/**
 * Parses and measures the request's operation (`state.params.query`, set by the request plugins)
 * and checks it names one the gateway can run; records its type and name on the state. The one
 * place every transport — GraphQL over HTTP, SSE, multipart, graphql-ws `subscribe` — learns
 * what operation it serves.
 */
export function analyzeRequest(
  state: RequestState,
  analyzer: OperationAnalyzer,
  query: string,
): OperationAnalysis {
  const analysis = analyzer.analyze(query, state.params.operationName);
  checkOperationSelection(analysis, state.params.operationName);
  state.operationType = analysis.operationType;
  state.operationName = analysis.operation?.name?.value ?? state.params.operationName;
  return analysis;
}

/**
 * Runs every operation plugin on an analysed operation — introspection, depth/alias/root-field/
 * directive limits, demand control, authorization — whatever its type and transport: a
 * subscription is judged exactly as a query is, with the same codes. Throws the refusal.
 */
export async function admitOperation(
  state: RequestState,
  analysis: OperationAnalysis,
  plugins: readonly GatewayPlugin[],
): Promise<void> {
  for (const p of plugins) if (p.onOperation) await p.onOperation(state, analysis);
}
