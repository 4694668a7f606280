import { IntelGraphError } from '@intelgraph/errors';
import type { DeadLetterReason } from '../messages/message.js';

export type FailureDisposition =
  | { readonly action: 'retry'; readonly retry: number; readonly error: string }
  | { readonly action: 'dead-letter'; readonly reason: DeadLetterReason; readonly error: string };

/**
 * What to do with a delivery whose handler threw. `attempt` is the delivery that failed (1 =
 * first). A handler throwing `MESSAGE_INVALID` says the message can never succeed: it goes to the
 * dead-letter queue at once instead of burning retries and blocking the queue.
 */
export function failureDisposition(error: unknown, attempt: number, maxRetries: number): FailureDisposition {
  const text = describeError(error);
  if (IntelGraphError.is(error, 'MESSAGE_INVALID'))
    return { action: 'dead-letter', reason: 'invalid-message', error: text };
  if (attempt > maxRetries) return { action: 'dead-letter', reason: 'max-retries-exceeded', error: text };
  return { action: 'retry', retry: attempt, error: text };
}

export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}
