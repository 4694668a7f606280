import { IntelGraphError } from '@intelgraph/errors';
import type { ConstDirectiveNode, GraphQLSchema } from 'graphql';
import { graphqlJs } from '../graphql-js.js';
import type { OperationAnalysis } from '../limits/analyze-operation.js';
import type { GatewayPlugin } from '../plugin.js';

const { getNamedType, parse, TypeInfo, visit, visitWithTypeInfo } = graphqlJs;

interface Requirement {
  readonly coordinate: string;
  readonly authenticated: boolean;
  /** OR of AND-lists, as in `@requiresScopes(scopes: [["a", "b"], ["c"]])`. */
  readonly scopes: readonly (readonly string[])[] | undefined;
}

const AUTHENTICATED = new Set(['authenticated', 'federation__authenticated']);
const REQUIRES_SCOPES = new Set(['requiresScopes', 'federation__requiresScopes']);

function requirementOf(
  coordinate: string,
  directives: readonly ConstDirectiveNode[] | undefined,
): Requirement | undefined {
  let authenticated = false;
  let scopes: string[][] | undefined;
  for (const d of directives ?? []) {
    if (AUTHENTICATED.has(d.name.value)) authenticated = true;
    if (REQUIRES_SCOPES.has(d.name.value)) {
      const arg = d.arguments?.find((a) => a.name.value === 'scopes');
      if (arg?.value.kind === 'ListValue') {
        scopes = arg.value.values.map((inner) =>
          inner.kind === 'ListValue'
            ? inner.values.flatMap((v) => (v.kind === 'StringValue' ? [v.value] : []))
            : [],
        );
      }
    }
  }
  return authenticated || scopes ? { coordinate, authenticated, scopes } : undefined;
}

/** Reads `@authenticated` and `@requiresScopes` from the supergraph SDL, by type and by field. */
export function readRequirements(supergraphSdl: string): Map<string, Requirement> {
  const out = new Map<string, Requirement>();
  for (const def of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (
      def.kind !== 'ObjectTypeDefinition' &&
      def.kind !== 'InterfaceTypeDefinition' &&
      def.kind !== 'ScalarTypeDefinition' &&
      def.kind !== 'EnumTypeDefinition' &&
      def.kind !== 'ObjectTypeExtension'
    ) {
      continue;
    }
    const typeReq = requirementOf(def.name.value, def.directives);
    if (typeReq) out.set(def.name.value, typeReq);
    if ('fields' in def) {
      for (const f of def.fields ?? []) {
        const coordinate = `${def.name.value}.${f.name.value}`;
        const req = requirementOf(coordinate, f.directives);
        if (req) out.set(coordinate, req);
      }
    }
  }
  return out;
}

/**
 * Enforces `@authenticated` and `@requiresScopes` at the gateway (Apollo Gateway composes them
 * but does not enforce them). A field is guarded by its own directives and by those of the type
 * it returns. The operation is refused whole (UNAUTHENTICATED or FORBIDDEN, naming the field)
 * rather than answered with holes, so a client learns at once what it lacks.
 */
export function useAuthorizationDirectives(): GatewayPlugin {
  let requirements = new Map<string, Requirement>();
  let schema: GraphQLSchema | undefined;
  let perOperation = new WeakMap<OperationAnalysis, Requirement[]>();

  const requirementsOf = (analysis: OperationAnalysis): Requirement[] => {
    let found = perOperation.get(analysis);
    if (found) return found;
    found = [];
    if (schema && requirements.size > 0) {
      const typeInfo = new TypeInfo(schema);
      const list = found;
      visit(
        analysis.document,
        visitWithTypeInfo(typeInfo, {
          Field() {
            const parent = typeInfo.getParentType();
            const def = typeInfo.getFieldDef();
            if (!parent || !def) return;
            const own = requirements.get(`${parent.name}.${def.name}`);
            if (own) list.push(own);
            const returned = requirements.get(getNamedType(def.type).name);
            if (returned) list.push(returned);
          },
        }),
      );
    }
    perOperation.set(analysis, found);
    return found;
  };

  return {
    name: 'authorization-directives',
    onSchemaChange(apiSchema, supergraphSdl) {
      schema = apiSchema;
      requirements = readRequirements(supergraphSdl);
      perOperation = new WeakMap();
    },
    onOperation(state, analysis) {
      const identity = state.identity;
      for (const req of requirementsOf(analysis)) {
        if (req.authenticated && identity?.userId === undefined) {
          throw new IntelGraphError('UNAUTHENTICATED', `${req.coordinate} requires authentication`, {
            input: req.coordinate,
            details: { coordinate: req.coordinate },
          });
        }
        if (req.scopes) {
          const held = new Set(identity?.scopes ?? []);
          if (!req.scopes.some((all) => all.every((s) => held.has(s)))) {
            throw new IntelGraphError(
              'FORBIDDEN',
              `${req.coordinate} requires scopes ${JSON.stringify(req.scopes)}`,
              {
                input: req.coordinate,
                details: { coordinate: req.coordinate, requiredScopes: req.scopes },
              },
            );
          }
        }
      }
    },
  };
}
