import { IntelGraphError } from '@intelgraph/errors';
import type { OperationAnalysis } from '../limits/analyze-operation.js';

/**
 * Checks that the request names an operation the gateway can run, before anything plans it:
 * several operations and no `operationName`, or a name the document does not define, are the
 * client's mistake (400 with a code) — Apollo Server would answer them 500. (Subscriptions are
 * served by `handleGraphQL` over a streaming response, when the client accepts one.) A document
 * without any operation is left to validation, which names the problem.
 */
export function checkOperationSelection(
  analysis: OperationAnalysis,
  operationName: string | undefined,
): void {
  const operation = analysis.operation;
  if (operation) return;
  const names: string[] = [];
  let count = 0;
  for (const d of analysis.document.definitions) {
    if (d.kind !== 'OperationDefinition') continue;
    count++;
    if (d.name) names.push(d.name.value);
  }
  if (count === 0) return;
  if (operationName === undefined) {
    throw new IntelGraphError(
      'OPERATION_NAME_REQUIRED',
      `The document defines ${count} operations; name the one to run in operationName`,
      { details: { operations: names } },
    );
  }
  throw new IntelGraphError(
    'OPERATION_NOT_FOUND',
    `The document defines no operation named "${operationName}"`,
    {
      input: operationName,
      details: { operationName },
    },
  );
}
