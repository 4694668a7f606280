import type { FieldDefinitionNode, TypeNode } from 'graphql';
import { graphqlJs } from '../../src/graphql-js.js';

const { Kind, parse } = graphqlJs;

/** What reading a field needs under `@authenticated` / `@requiresScopes` (on it or on the type it returns). */
export type Requirement = 'authenticated' | 'scopes';

/**
 * The fields (`Type.field`) a caller needs an identity or scopes to read, from the supergraph's
 * directives. Vanilla Apollo Gateway ignores these directives and our gateway withholds them, so
 * the differential test asks each caller only for what it may read: the comparison stays exact.
 */
export function protectedCoordinates(supergraphSdl: string): ReadonlyMap<string, Requirement> {
  const document = parse(supergraphSdl);
  const typeRequirement = new Map<string, Requirement>();
  const requirementOf = (directives: readonly { name: { value: string } }[] | undefined) =>
    directives?.some((d) => d.name.value === 'requiresScopes')
      ? 'scopes'
      : directives?.some((d) => d.name.value === 'authenticated')
        ? 'authenticated'
        : undefined;
  for (const def of document.definitions)
    if ('name' in def && def.name && 'directives' in def) {
      const r = requirementOf(def.directives);
      if (r) typeRequirement.set(def.name.value, r);
    }
  const named = (t: TypeNode): string => (t.kind === Kind.NAMED_TYPE ? t.name.value : named(t.type));
  const result = new Map<string, Requirement>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const onType = typeRequirement.get(def.name.value);
    for (const field of (def.fields ?? []) as FieldDefinitionNode[]) {
      const r = requirementOf(field.directives) ?? typeRequirement.get(named(field.type)) ?? onType;
      if (r) result.set(`${def.name.value}.${field.name.value}`, r);
    }
  }
  return result;
}
