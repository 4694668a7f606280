const SECURITY_LINK =
  /@link\(\s*url:\s*"(https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v0\.\d+)"\s*,\s*for:\s*SECURITY\s*\)/g;

/**
 * Apollo Gateway refuses a supergraph that links `@authenticated` or `@requiresScopes` "for:
 * SECURITY", because it does not enforce them and would otherwise serve guarded fields to
 * anyone. This gateway enforces them (`useAuthorizationDirectives`), so it drops the `for:`
 * purpose from those two links before handing the supergraph over; the directives themselves
 * stay on the fields, where the plugin reads them. `@policy` is left alone: it is not enforced
 * here, so a supergraph using it is still refused.
 */
export function acceptSecurityFeatures(supergraphSdl: string): string {
  return supergraphSdl.replace(SECURITY_LINK, '@link(url: "$1")');
}
