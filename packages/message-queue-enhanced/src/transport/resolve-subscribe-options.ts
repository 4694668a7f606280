import type { SubscribeOptions } from './transport.js';
import { assertName, positiveInteger, type ResolvedTransportOptions } from './transport-options.js';

export interface ResolvedSubscribeOptions {
  readonly group: string;
  /** Handlers in flight for this subscription. */
  readonly prefetch: number;
}

/**
 * What every transport's `subscribe` does before touching its backend: the topic and group
 * checked (they end up in queue and topic names), the group and prefetch defaulted from the
 * transport's options and validated (CONFIG_INVALID naming the bad value).
 */
export function resolveSubscribeOptions(
  topic: string,
  options: SubscribeOptions,
  transport: ResolvedTransportOptions,
): ResolvedSubscribeOptions {
  assertName('topic', topic);
  const group = options.group ?? transport.defaultGroup;
  assertName('group', group);
  const prefetch = options.prefetch ?? transport.prefetch;
  positiveInteger('prefetch', prefetch);
  return { group, prefetch };
}
