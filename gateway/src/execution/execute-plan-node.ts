import { evaluateCondition, type PlanNode } from '@apollo/query-planner';
import type { GraphQLError } from 'graphql';
import { executeFetch } from './execute-fetch.js';
import type { ExecutionContext } from './execution-context.js';
import { moveIntoCursor, type ResultCursor } from './result-cursor.js';

/**
 * Walks a query plan node: `Sequence` in order, `Parallel` at once, `Flatten` moves the cursor to
 * the entities it names, `Condition` picks its branch from the `@skip`/`@include` variable, and
 * `Defer` runs its primary part and then its deferred parts in place (no incremental delivery
 * yet: the answer is the one a non-deferred plan gives). A failed fetch is an error of the
 * response, not of the request: the other fetches' data is still returned.
 */
export async function executePlanNode(
  context: ExecutionContext,
  node: PlanNode,
  cursor: ResultCursor | undefined,
): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executePlanNode(context, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executePlanNode(context, child, cursor)));
      return;
    case 'Flatten':
      await executePlanNode(context, node.node, moveIntoCursor(context.tree, cursor, node.path));
      return;
    case 'Fetch':
      try {
        await executeFetch(context, node, cursor);
      } catch (error) {
        context.errors.push(error as GraphQLError);
      }
      return;
    case 'Condition': {
      const branch = evaluateCondition(
        node,
        context.variableDefinitions,
        context.variables as Record<string, unknown>,
      )
        ? node.ifClause
        : node.elseClause;
      if (branch) await executePlanNode(context, branch, cursor);
      return;
    }
    case 'Defer':
      if (node.primary.node) await executePlanNode(context, node.primary.node, cursor);
      await Promise.all(
        node.deferred.map((d) => (d.node ? executePlanNode(context, d.node, cursor) : Promise.resolve())),
      );
      return;
  }
}
