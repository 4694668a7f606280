/** Replaces every `{{uid}}` in the strings of `value` (deeply) with `uid`. */
export function fillTemplate<T>(value: T, uid: string): T {
  if (typeof value === 'string') return value.replaceAll('{{uid}}', uid) as T;
  if (Array.isArray(value)) return value.map((v) => fillTemplate(v, uid)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTemplate(v, uid)])) as T;
  }
  return value;
}

/** `a.b.c` of an object, or undefined. */
export function at(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export interface GraphQLOutcome {
  readonly ok: boolean;
  readonly data: unknown;
  /** The first error's code (extensions.code), or `HTTP_<status>` / `BAD_RESPONSE`. */
  readonly code: string | undefined;
}

/**
 * Whether one GraphQL-over-HTTP response succeeded: a 2xx with `data` and no `errors`.
 * Anything else is an error a client would see.
 */
export function classifyResponse(status: number, body: string | undefined): GraphQLOutcome {
  let parsed: { data?: unknown; errors?: { extensions?: { code?: string } }[] } | undefined;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  const firstCode = parsed?.errors?.[0]?.extensions?.code;
  if (status < 200 || status >= 300)
    return { ok: false, data: parsed?.data, code: firstCode ?? `HTTP_${status}` };
  if (!parsed) return { ok: false, data: undefined, code: 'BAD_RESPONSE' };
  if (parsed.errors && parsed.errors.length > 0)
    return { ok: false, data: parsed.data, code: firstCode ?? 'GRAPHQL_ERROR' };
  if (parsed.data === undefined || parsed.data === null)
    return { ok: false, data: undefined, code: 'NO_DATA' };
  return { ok: true, data: parsed.data, code: undefined };
}
