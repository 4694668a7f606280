import { createHash } from 'node:crypto';
import type { RequestState } from '../plugin.js';

/** JSON with object keys sorted, so equal values give equal keys. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + stableJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${stableJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * Who may share a cached value: the tenant and the granted scopes always (authorization can
 * change an answer), the user too when the value is private. Undefined when a private value has
 * no user to tie it to (anonymous): such a value is never cached.
 */
export function audienceKey(
  state: RequestState | undefined,
  scope: 'public' | 'private',
): string | undefined {
  const identity = state?.identity;
  if (!identity) return undefined;
  if (scope === 'private' && !identity.userId) return undefined;
  const scopes = [...identity.scopes].sort().join(' ');
  return `${identity.tenantId}|${scopes}|${scope === 'private' ? `u:${identity.userId}` : 'public'}`;
}
