import { IntelGraphError } from '@intelgraph/errors';
import type {
  DocumentNode,
  FragmentDefinitionNode,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import { graphqlJs } from '../graphql-js.js';

const { GraphQLError, parse, visit } = graphqlJs;

/** Introspection's root fields, left out of `depth` (see `useIntrospection`). */
const INTROSPECTION_ROOTS: ReadonlySet<string> = new Set(['__schema', '__type']);

/** What the limits judge, measured once per distinct query text. */
export interface OperationAnalysis {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode | undefined;
  readonly operationType: 'query' | 'mutation' | 'subscription' | undefined;
  readonly depth: number;
  readonly aliases: number;
  readonly rootFields: number;
  readonly directives: number;
}

/**
 * Parses a query (refusing more than `maxTokens` tokens while lexing) and measures it. Fragment
 * cycles are refused here, before any recursive walk, so a cyclic document cannot loop the
 * gateway or blow its stack; graphql-js validation would catch them only later.
 */
export function analyzeOperation(
  query: string,
  operationName: string | undefined,
  options: { maxTokens: number },
): OperationAnalysis {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: options.maxTokens, noLocation: false });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/more th\w+ \d+ tokens/i.test(message)) {
      throw new IntelGraphError('QUERY_TOO_MANY_TOKENS', `Query has more than ${options.maxTokens} tokens`, {
        details: { limit: options.maxTokens },
        cause: error,
      });
    }
    throw new IntelGraphError('QUERY_PARSE_FAILED', message, {
      cause: error,
      details: error instanceof GraphQLError && error.locations ? { locations: error.locations } : {},
    });
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const def of document.definitions) {
    if (def.kind === 'FragmentDefinition') fragments.set(def.name.value, def);
    else if (def.kind === 'OperationDefinition') operations.push(def);
  }
  rejectFragmentCycles(fragments);
  const operation =
    operationName === undefined
      ? operations.length === 1
        ? operations[0]
        : undefined
      : operations.find((o) => o.name?.value === operationName);

  let aliases = 0;
  let directives = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
    Directive() {
      directives++;
    },
  });

  const depthMemo = new Map<string, number>();
  const depthOf = (set: SelectionSetNode): number => {
    let max = 0;
    for (const sel of set.selections) {
      let d = 0;
      // `__schema`/`__type` are measured by their own rule (introspection/use-introspection.ts):
      // the standard introspection query nests `ofType` past any sensible MAX_DEPTH.
      if (sel.kind === 'Field')
        d = sel.selectionSet && !INTROSPECTION_ROOTS.has(sel.name.value) ? 1 + depthOf(sel.selectionSet) : 1;
      else if (sel.kind === 'InlineFragment') d = depthOf(sel.selectionSet);
      else {
        const name = sel.name.value;
        let memo = depthMemo.get(name);
        if (memo === undefined) {
          const frag = fragments.get(name);
          memo = frag ? depthOf(frag.selectionSet) : 0;
          depthMemo.set(name, memo);
        }
        d = memo;
      }
      if (d > max) max = d;
    }
    return max;
  };

  const rootFieldCount = (set: SelectionSetNode, seen: Set<string>): number => {
    let n = 0;
    for (const sel of set.selections) {
      if (sel.kind === 'Field') n++;
      else if (sel.kind === 'InlineFragment') n += rootFieldCount(sel.selectionSet, seen);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const frag = fragments.get(sel.name.value);
        if (frag) n += rootFieldCount(frag.selectionSet, seen);
      }
    }
    return n;
  };

  return {
    document,
    operation,
    operationType: operation?.operation,
    depth: operation ? depthOf(operation.selectionSet) : 0,
    aliases,
    rootFields: operation ? rootFieldCount(operation.selectionSet, new Set()) : 0,
    directives,
  };
}

function rejectFragmentCycles(fragments: ReadonlyMap<string, FragmentDefinitionNode>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const spreadsOf = (set: SelectionSetNode, out: string[]): string[] => {
    for (const sel of set.selections) {
      if (sel.kind === 'FragmentSpread') out.push(sel.name.value);
      else if (sel.selectionSet) spreadsOf(sel.selectionSet, out);
    }
    return out;
  };
  // Iterative DFS: a deep chain of fragments must not overflow the stack either.
  for (const start of fragments.keys()) {
    if (state.get(start) === 'done') continue;
    const stack: { name: string; next: string[] }[] = [];
    const enter = (name: string): void => {
      state.set(name, 'visiting');
      const frag = fragments.get(name);
      stack.push({ name, next: frag ? spreadsOf(frag.selectionSet, []) : [] });
    };
    enter(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const child = top.next.pop();
      if (child === undefined) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const s = state.get(child);
      if (s === 'visiting') {
        throw new IntelGraphError('FRAGMENT_CYCLE', `Fragment "${child}" spreads itself`, {
          input: child,
          details: { fragment: child },
        });
      }
      if (s === undefined && fragments.has(child)) enter(child);
    }
  }
}
