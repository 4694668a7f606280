import { IntelGraphError } from '@intelgraph/errors';
import type { Identity } from '@intelgraph/identity';

/** `SCOPE_REQUIRED` unless the identity carries `scope`. */
export function requireScope(identity: Identity, scope: string): void {
  if (!identity.scopes.includes(scope)) {
    throw new IntelGraphError('SCOPE_REQUIRED', `this operation needs the ${scope} scope`, {
      details: { scope },
    });
  }
}

/** `BAD_USER_INPUT` naming the argument, with the rule it broke. */
export function badInput(argument: string, message: string, input?: unknown): IntelGraphError {
  return new IntelGraphError('BAD_USER_INPUT', `${argument}: ${message}`, { input, details: { argument } });
}

/** A trimmed string of `min`..`max` characters, else `BAD_USER_INPUT`. */
export function requireText(value: unknown, argument: string, { min = 1, max = 200 } = {}): string {
  if (typeof value !== 'string') throw badInput(argument, 'expected a string', value);
  const text = value.trim();
  if (text.length < min || text.length > max) {
    throw badInput(argument, `expected ${min} to ${max} characters, got ${text.length}`, text.slice(0, 64));
  }
  return text;
}
