import { at, classifyResponse } from './graphql-body.js';
import { assertLoopbackUrl } from './loopback.js';
import type { Acknowledged } from './run-load.js';
import type { Operation } from './scenario-config.js';

export interface WriteVerification {
  readonly acknowledged: number;
  readonly found: number;
  /** Acknowledged writes the platform no longer has: data lost. */
  readonly lost: readonly Acknowledged[];
  /** Writes that could not be checked (the verify query itself failed after retries). */
  readonly unverified: readonly Acknowledged[];
}

/**
 * Reads back every acknowledged write with its operation's `verify` query. A write is lost
 * when the query succeeds and does not return it; a failing query is retried, then reported as
 * unverified (never silently counted as found).
 */
export async function verifyAcknowledged(options: {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly operations: readonly Operation[];
  readonly acknowledged: readonly Acknowledged[];
  readonly concurrency?: number;
  readonly attempts?: number;
}): Promise<WriteVerification> {
  const url = assertLoopbackUrl(options.url);
  const byName = new Map(options.operations.map((o) => [o.name, o]));
  const queue = [...options.acknowledged];
  const lost: Acknowledged[] = [];
  const unverified: Acknowledged[] = [];
  let found = 0;
  const check = async (ack: Acknowledged): Promise<void> => {
    const verify = byName.get(ack.operation)?.verify;
    if (!verify) {
      unverified.push(ack);
      return;
    }
    for (let attempt = 1; attempt <= (options.attempts ?? 3); attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: JSON.stringify({ query: verify.query, variables: { id: ack.id } }),
          signal: AbortSignal.timeout(10_000),
        });
        const outcome = classifyResponse(res.status, await res.text());
        if (outcome.ok) {
          if (at(outcome.data, verify.foundPath) === ack.id) found++;
          else lost.push(ack);
          return;
        }
        // NOT_FOUND is an answer: the record is not there.
        if (outcome.code === 'NOT_FOUND') {
          lost.push(ack);
          return;
        }
      } catch {
        // retried below
      }
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
    unverified.push(ack);
  };
  const workers = Array.from({ length: options.concurrency ?? 8 }, async () => {
    for (let ack = queue.shift(); ack; ack = queue.shift()) await check(ack);
  });
  await Promise.all(workers);
  return { acknowledged: options.acknowledged.length, found, lost, unverified };
}
