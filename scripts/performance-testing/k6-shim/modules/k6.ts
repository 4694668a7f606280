import { blockFor, record } from '../vu-context.js';

/** k6's `check`: runs each named check on `value`, records the `checks` rate, true when all pass. */
export function check<T>(
  value: T,
  checks: Record<string, (v: T) => unknown>,
  tags: Record<string, string> = {},
): boolean {
  let all = true;
  for (const [name, fn] of Object.entries(checks)) {
    let ok = false;
    try {
      ok = Boolean(fn(value));
    } catch {
      ok = false;
    }
    record({ metric: 'checks', type: 'rate', value: ok ? 1 : 0, tags: { ...tags, check: name } });
    all &&= ok;
  }
  return all;
}

/** k6's `sleep(seconds)`. */
export function sleep(seconds: number): void {
  blockFor(seconds * 1000);
}

/** k6's `group`: runs `fn` (groups only tag metrics in k6). */
export function group<T>(_name: string, fn: () => T): T {
  return fn();
}

/** k6's `fail`: throws, ending the iteration. */
export function fail(message?: string): never {
  throw new Error(message ?? 'fail() called');
}

export default { check, sleep, group, fail };
