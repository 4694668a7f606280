import type { Identity } from '@intelgraph/identity';
import type { ConstDirectiveNode } from 'graphql';
import { graphqlJs } from '../graphql-js.js';

const { parse } = graphqlJs;

/** What `@authenticated` / `@requiresScopes` ask at one schema coordinate (`Type` or `Type.field`). */
export interface Requirement {
  readonly coordinate: string;
  readonly authenticated: boolean;
  /** OR of AND-lists, as in `@requiresScopes(scopes: [["a", "b"], ["c"]])`. */
  readonly scopes: readonly (readonly string[])[] | undefined;
}

/** Why an identity may not see a coordinate. */
export interface Denial {
  readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN';
  readonly requirement: Requirement;
}

/** Answers, for one identity, whether a coordinate is denied to it (undefined: allowed). */
export type DenyFn = (coordinate: string) => Denial | undefined;

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
      def.kind !== 'ObjectTypeExtension' &&
      def.kind !== 'InterfaceTypeExtension'
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
 * The supergraph's authorization requirements, and what each identity may see of them. Two
 * identities that are both authenticated (or both not) and hold the same scopes among those the
 * supergraph names are in one *class*: they see exactly the same parts of any operation, so the
 * per-operation work (filtering) is shared by class, never by tenant or user.
 */
export class AuthorizationRequirements {
  readonly #byCoordinate: ReadonlyMap<string, Requirement>;
  readonly #scopesNamed: ReadonlySet<string>;
  readonly #denyByClass = new Map<string, DenyFn>();

  constructor(byCoordinate: ReadonlyMap<string, Requirement>) {
    this.#byCoordinate = byCoordinate;
    this.#scopesNamed = new Set(
      [...byCoordinate.values()].flatMap((r) => (r.scopes ?? []).flatMap((all) => [...all])),
    );
  }

  static fromSupergraph(supergraphSdl: string): AuthorizationRequirements {
    return new AuthorizationRequirements(readRequirements(supergraphSdl));
  }

  get isEmpty(): boolean {
    return this.#byCoordinate.size === 0;
  }

  get(coordinate: string): Requirement | undefined {
    return this.#byCoordinate.get(coordinate);
  }

  /** The identity's class: authenticated or not, and the relevant scopes it holds. */
  classOf(identity: Identity | undefined): string {
    const authenticated = identity?.userId !== undefined;
    const held = (identity?.scopes ?? []).filter((s) => this.#scopesNamed.has(s));
    return JSON.stringify([authenticated, [...new Set(held)].sort()]);
  }

  /**
   * The deny function of a class. A missing authentication is UNAUTHENTICATED; missing scopes
   * are FORBIDDEN for an authenticated caller and UNAUTHENTICATED for an anonymous one, since
   * what it lacks first is a token.
   */
  denyFor(identityClass: string): DenyFn {
    let deny = this.#denyByClass.get(identityClass);
    if (deny) return deny;
    const [authenticated, scopes] = JSON.parse(identityClass) as [boolean, string[]];
    const held = new Set(scopes);
    const memo = new Map<string, Denial | null>();
    deny = (coordinate) => {
      let verdict = memo.get(coordinate);
      if (verdict === undefined) {
        verdict = null;
        const req = this.#byCoordinate.get(coordinate);
        if (req?.authenticated && !authenticated) verdict = { code: 'UNAUTHENTICATED', requirement: req };
        else if (req?.scopes && !req.scopes.some((all) => all.every((s) => held.has(s))))
          verdict = { code: authenticated ? 'FORBIDDEN' : 'UNAUTHENTICATED', requirement: req };
        memo.set(coordinate, verdict);
      }
      return verdict ?? undefined;
    };
    if (this.#denyByClass.size >= 256) this.#denyByClass.clear();
    this.#denyByClass.set(identityClass, deny);
    return deny;
  }
}

/** The message of a denial at a coordinate. */
export function denialMessage(denial: Denial): string {
  const { requirement } = denial;
  if (denial.code === 'UNAUTHENTICATED' && requirement.authenticated)
    return `${requirement.coordinate} requires authentication`;
  return `${requirement.coordinate} requires scopes ${JSON.stringify(requirement.scopes)}`;
}
