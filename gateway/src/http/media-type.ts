/** The two media types a GraphQL-over-HTTP response can have. */
export type GraphQLMediaType = 'application/json' | 'application/graphql-response+json';

/** In Apollo Server's order of preference, which decides a complete tie. */
const CANDIDATES: readonly GraphQLMediaType[] = ['application/json', 'application/graphql-response+json'];

interface Match {
  readonly q: number;
  /** 2 exact, 1 `application/*`, 0 `*\/*`. */
  readonly specificity: number;
  readonly at: number;
}

/**
 * The media type to answer with, from the request's `Accept` (GraphQL over HTTP): each type
 * takes the `q` of the most specific range naming it (exact, then `application/*`, then `*\/*`;
 * `q=0` excludes it); the higher `q` wins, then the more specific match, then the one the client
 * lists first, then `application/json`, as in Apollo Server's negotiation of executed responses.
 * `application/json` when the client accepts neither (the gateway's refusals are still JSON).
 */
export function responseMediaType(accept: string | undefined): GraphQLMediaType {
  if (!accept) return 'application/json';
  const ranges = accept.split(',').map((part, at) => {
    const [range = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { range, q: q ? Number(q.slice(2)) : 1, at };
  });
  const matchOf = (type: GraphQLMediaType): Match | undefined => {
    let best: Match | undefined;
    for (const r of ranges) {
      const specificity = r.range === type ? 2 : r.range === 'application/*' ? 1 : r.range === '*/*' ? 0 : -1;
      if (specificity < 0 || (best && best.specificity >= specificity)) continue;
      best = { q: Number.isFinite(r.q) ? r.q : 0, specificity, at: r.at };
    }
    return best && best.q > 0 ? best : undefined;
  };
  let chosen: { type: GraphQLMediaType; match: Match } | undefined;
  for (const type of CANDIDATES) {
    const match = matchOf(type);
    if (!match) continue;
    const better =
      !chosen ||
      match.q > chosen.match.q ||
      (match.q === chosen.match.q &&
        (match.specificity > chosen.match.specificity ||
          (match.specificity === chosen.match.specificity && match.at < chosen.match.at)));
    if (better) chosen = { type, match };
  }
  return chosen?.type ?? 'application/json';
}
