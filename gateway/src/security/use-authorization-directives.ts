import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { IntelGraphError } from '@intelgraph/errors';
import type { DocumentNode, FragmentDefinitionNode, GraphQLSchema } from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { OperationAnalysis } from '../limits/analyze-operation.js';
import { coerceVariables } from '../limits/operation-values.js';
import type { GatewayPlugin, RequestState } from '../plugin.js';
import { type FilteredOperation, filterOperation, type Removal } from './authorization-filter.js';
import { AuthorizationRequirements, type DenyFn, denialMessage } from './authorization-requirements.js';
import { shapeResponse } from './authorization-shaper.js';

export { readRequirements } from './authorization-requirements.js';

export interface AuthorizationOptions {
  /**
   * `filter` (default): the parts of an operation an identity may not see are removed before
   * planning and answered null with an error at their path, the rest is served (as Apollo
   * Router and Hive Gateway do). `reject`: such an operation is refused whole with
   * UNAUTHENTICATED or FORBIDDEN naming the first coordinate it may not see.
   */
  readonly mode?: 'filter' | 'reject';
  /** Filter verdicts remembered per operation, one per identity class (default 16). */
  readonly classesPerOperation?: number;
}

interface Pending {
  /** The original state (Apollo's contextValue is a shallow copy): the error code goes here. */
  readonly state: RequestState;
  readonly analysis: OperationAnalysis;
  readonly deny: DenyFn;
  executed: boolean;
}

function fragmentsOf(analysis: OperationAnalysis): Map<string, FragmentDefinitionNode> {
  const out = new Map<string, FragmentDefinitionNode>();
  for (const d of analysis.document.definitions)
    if (d.kind === 'FragmentDefinition') out.set(d.name.value, d);
  return out;
}

/**
 * Enforces `@authenticated` and `@requiresScopes` of the supergraph (Apollo Gateway composes them
 * but does not enforce them) on the operation as it will execute. A type's requirement holds
 * wherever the type can appear: fields returning it (through lists and non-null), inline and
 * named fragments on it, and abstract types that include it, judged per runtime type; a field is
 * also guarded by its own requirement (on the object type and on an interface it is selected
 * through). See `filterOperation` (what is asked of the subgraphs) and `shapeResponse` (what the
 * client gets). Verdicts are per (operation, identity class), so concurrent callers with
 * different rights share nothing but the immutable verdict of their own class.
 */
export function useAuthorizationDirectives(options: AuthorizationOptions = {}): GatewayPlugin {
  const mode = options.mode ?? 'filter';
  const classesPerOperation = options.classesPerOperation ?? 16;
  let requirements = new AuthorizationRequirements(new Map());
  let schema: GraphQLSchema | undefined;
  let verdicts = new WeakMap<OperationAnalysis, Map<string, FilteredOperation>>();
  // By IncomingMessage: Apollo's contextValue is a shallow copy of the RequestState.
  const pending = new WeakMap<IncomingMessage, Pending>();

  const verdictOf = (
    analysis: OperationAnalysis,
    identityClass: string,
    s: GraphQLSchema,
  ): FilteredOperation => {
    let byClass = verdicts.get(analysis);
    if (!byClass) {
      byClass = new Map();
      verdicts.set(analysis, byClass);
    }
    let verdict = byClass.get(identityClass);
    if (!verdict) {
      verdict = filterOperation(
        s,
        analysis.operation!,
        fragmentsOf(analysis),
        requirements.denyFor(identityClass),
      );
      if (byClass.size >= classesPerOperation) byClass.delete(byClass.keys().next().value as string);
      byClass.set(identityClass, verdict);
    }
    return verdict;
  };

  const apollo: ApolloServerPlugin<RequestState> = {
    async requestDidStart() {
      return {
        async executionDidStart({ contextValue }) {
          const p = pending.get(contextValue.req);
          if (p) p.executed = true;
        },
        // Not async: the shaped response must be in place before later plugins' hooks (caches,
        // cache hints) read it. A response answered from the response cache was shaped when stored.
        willSendResponse({ contextValue, response }) {
          const p = pending.get(contextValue.req);
          if (!p?.executed || !schema || response.body.kind !== 'single') return Promise.resolve();
          const result = response.body.singleResult;
          if (!result.data || !p.analysis.operation) return Promise.resolve();
          const shaped = shapeResponse(
            result.data,
            schema,
            p.analysis.operation,
            fragmentsOf(p.analysis),
            coerceVariables(schema, p.analysis.operation, p.state.params.variables),
            p.deny,
          );
          result.data = shaped.data;
          if (shaped.errors.length > 0) {
            result.errors = [...(result.errors ?? []), ...shaped.errors];
            p.state.errorCode ??= String(shaped.errors[0]!.extensions!.code);
          }
          return Promise.resolve();
        },
      };
    },
  };

  return {
    name: 'authorization-directives',
    onSchemaChange(apiSchema, supergraphSdl) {
      schema = apiSchema;
      requirements = AuthorizationRequirements.fromSupergraph(supergraphSdl);
      verdicts = new WeakMap();
    },
    onOperation(state, analysis) {
      if (!schema || requirements.isEmpty || !analysis.operation) return;
      const identityClass = requirements.classOf(state.identity);
      const verdict = verdictOf(analysis, identityClass, schema);
      if (!verdict.changed) return;
      if (mode === 'reject') throw refusal(verdict.removals);
      if (analysis.operationType === 'subscription') {
        // Its root field withheld, a subscription would deliver nothing but errors: refused whole.
        // Otherwise `onSubscription` runs it filtered and shapes each event.
        const root = verdict.removals.filter((r) => r.path.length === 1);
        if (root.length > 0) throw refusal(root);
        return;
      }
      state.params.query = verdict.query;
      pending.set(state.req, {
        state,
        analysis,
        deny: requirements.denyFor(identityClass),
        executed: false,
      });
    },
    onSubscription(state, analysis) {
      const s = schema;
      const operation = analysis.operation;
      if (!s || requirements.isEmpty || !operation || mode === 'reject') return undefined;
      const identityClass = requirements.classOf(state.identity);
      const verdict = verdictOf(analysis, identityClass, s);
      if (!verdict.changed) return undefined;
      const deny = requirements.denyFor(identityClass);
      const fragments = fragmentsOf(analysis);
      const variables = coerceVariables(s, operation, state.params.variables);
      return {
        document: filteredDocument(verdict),
        result: (result) => {
          if (!result.data) return result;
          const shaped = shapeResponse(result.data, s, operation, fragments, variables, deny);
          const errors = [...(result.errors ?? []), ...shaped.errors];
          if (shaped.errors.length > 0) state.errorCode ??= String(shaped.errors[0]!.extensions!.code);
          return { ...result, data: shaped.data, ...(errors.length > 0 ? { errors } : {}) };
        },
      };
    },
    apolloPlugins: [apollo],
  };
}

/** The refusal of an operation for the first of its removals (an UNAUTHENTICATED one first). */
function refusal(removals: readonly Removal[]): IntelGraphError {
  const first = removals.find((r) => r.denial.code === 'UNAUTHENTICATED') ?? removals[0]!;
  const { requirement } = first.denial;
  return new IntelGraphError(first.denial.code, denialMessage(first.denial), {
    input: requirement.coordinate,
    details: {
      coordinate: requirement.coordinate,
      path: first.path,
      ...(requirement.scopes ? { requiredScopes: requirement.scopes } : {}),
    },
  });
}

const filteredDocuments = new WeakMap<FilteredOperation, DocumentNode>();
/** The filtered operation parsed (once per verdict): what a subscription plans and executes. */
function filteredDocument(verdict: FilteredOperation & { readonly changed: true }): DocumentNode {
  let document = filteredDocuments.get(verdict);
  if (!document) {
    document = graphqlJs.parse(verdict.query);
    filteredDocuments.set(verdict, document);
  }
  return document;
}
