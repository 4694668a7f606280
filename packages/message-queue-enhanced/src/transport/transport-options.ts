import { IntelGraphError } from '@intelgraph/errors';
import type { Registry } from '@intelgraph/telemetry';
import type { ZodType } from 'zod';
import type { EnvelopeRules } from '../messages/envelope.js';
import { type RetryPolicy, resolveRetryPolicy } from './retry-policy.js';

/** Options every transport accepts. Defaults are in TRANSPORT_DEFAULTS. */
export interface TransportOptions {
  /** zod schema per event type (or topic): a payload failing it is refused at publish. */
  readonly schemas?: Readonly<Record<string, ZodType>>;
  /** Largest encoded message accepted (body + key + headers), bytes. Default 1 MiB. */
  readonly maxMessageBytes?: number;
  /** `maxRetries` of a message that sets none. Default 3. */
  readonly defaultMaxRetries?: number;
  /** Backoff between handler retries. */
  readonly retry?: Partial<RetryPolicy>;
  /** Consumer group used when `subscribe` names none. Default `default`. */
  readonly defaultGroup?: string;
  /** Handlers in flight per subscription. Default 10. */
  readonly prefetch?: number;
  /**
   * Consumer groups whose queue a publish creates if it does not exist yet, so that messages
   * published before the group's first subscriber wait for it (work-queue use). Default: the
   * default group. Careful: a group that is declared but never consumed keeps every message (a
   * growing queue; in memory for the in-process transport). List the groups that will consume, or
   * `[]` for pure fan-out. Kafka ignores it (the log retains messages for every group).
   */
  readonly declareGroupsOnPublish?: readonly string[];
  /** prom-client registry for the transport's metrics. Default: none (metrics are still counted on a private registry). */
  readonly metrics?: Registry;
}

export const TRANSPORT_DEFAULTS = {
  maxMessageBytes: 1024 * 1024,
  defaultMaxRetries: 3,
  defaultGroup: 'default',
  prefetch: 10,
} as const;

export interface ResolvedTransportOptions {
  readonly envelope: EnvelopeRules;
  readonly retry: RetryPolicy;
  readonly defaultGroup: string;
  readonly prefetch: number;
  readonly declareGroupsOnPublish: readonly string[];
}

export function resolveTransportOptions(options: TransportOptions): ResolvedTransportOptions {
  const maxMessageBytes = options.maxMessageBytes ?? TRANSPORT_DEFAULTS.maxMessageBytes;
  positiveInteger('maxMessageBytes', maxMessageBytes);
  const defaultMaxRetries = options.defaultMaxRetries ?? TRANSPORT_DEFAULTS.defaultMaxRetries;
  if (!Number.isInteger(defaultMaxRetries) || defaultMaxRetries < 0) {
    throw configInvalid('defaultMaxRetries', defaultMaxRetries, 'an integer >= 0');
  }
  const prefetch = options.prefetch ?? TRANSPORT_DEFAULTS.prefetch;
  positiveInteger('prefetch', prefetch);
  const defaultGroup = options.defaultGroup ?? TRANSPORT_DEFAULTS.defaultGroup;
  assertName('defaultGroup', defaultGroup);
  return {
    envelope: {
      schemas: new Map(Object.entries(options.schemas ?? {})),
      maxMessageBytes,
      defaultMaxRetries,
    },
    retry: resolveRetryPolicy(options.retry ?? {}),
    defaultGroup,
    prefetch,
    declareGroupsOnPublish: declareGroups(options.declareGroupsOnPublish ?? [defaultGroup]),
  };
}

function declareGroups(groups: readonly string[]): readonly string[] {
  if (!Array.isArray(groups)) throw configInvalid('declareGroupsOnPublish', groups, 'a list of group names');
  for (const [i, group] of groups.entries()) assertName(`declareGroupsOnPublish[${i}]`, group);
  return [...new Set(groups)];
}

/** Topic and group names end up in queue and topic names: keep them to a safe alphabet. */
export function assertName(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(value)) {
    throw configInvalid(field, value, "1-100 characters of letters, digits, '.', '_' or '-'");
  }
}

export function positiveInteger(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw configInvalid(field, value, 'a positive integer');
  }
}

export function configInvalid(field: string, value: unknown, expected: string): IntelGraphError {
  return new IntelGraphError('CONFIG_INVALID', `${field}=${JSON.stringify(value)}: expected ${expected}`, {
    input: { [field]: value },
  });
}
