import type { GatewayTargets } from './gateway-targets.js';
import type { GeneratedOperation } from './operation-arbitrary.js';

/*
 * Sends exchanges (an operation and who sends it) concurrently to vanilla Apollo Gateway and to
 * each of our gateways, and requires each of ours to answer what vanilla answers the same caller:
 * the same `data`, keys in the same order, and the same error codes at the same paths. Nothing
 * else is normalised away: our extra extensions (request ids, cost) and error messages are not
 * compared; codes and paths are. A mismatch throws an error that prints the operation, its
 * variables, the caller and both answers, so fast-check's (shrunk) counterexample reads as a bug
 * report.
 */

export interface Caller {
  readonly name: string;
  /** Headers for our gateway: a bearer token, or none for an anonymous caller. */
  readonly ours: Readonly<Record<string, string>>;
  /** Headers for vanilla, per request (a signed identity carries its timestamp). */
  readonly vanilla: () => Readonly<Record<string, string>>;
}

export interface Exchange {
  readonly operation: GeneratedOperation;
  readonly caller: Caller;
}

export interface Answer {
  readonly status: number;
  readonly data: unknown;
  /** `CODE at path` per error (and per `extensions.valueCompletion` entry), sorted. */
  readonly codes: readonly string[];
  // biome-ignore lint/suspicious/noExplicitAny: the raw response, for the report
  readonly body: any;
}

/** What a run did, for the test's own assertions and its summary line. */
export class DifferentialStats {
  /** Distinct generated operations sent. */
  operations = 0;
  /** Operation × caller pairs sent. */
  exchanges = 0;
  requests = 0;
  /** Largest number of requests one gateway had in flight at once. */
  peakConcurrency = 0;
  /** HTTP statuses that differed from vanilla's while data and codes agreed (reported, not compared). */
  readonly statusDifferences = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();

  enter(target: string): void {
    const n = (this.#inFlight.get(target) ?? 0) + 1;
    this.#inFlight.set(target, n);
    this.peakConcurrency = Math.max(this.peakConcurrency, n);
    this.requests++;
  }

  leave(target: string): void {
    this.#inFlight.set(target, (this.#inFlight.get(target) ?? 1) - 1);
  }
}

export async function send(
  url: string,
  operation: GeneratedOperation,
  headers: Readonly<Record<string, string>>,
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query: operation.query, variables: operation.variables }),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { unparsable: text };
  }
  type Located = { path?: unknown[]; extensions?: { code?: unknown } };
  const b = body as { data?: unknown; errors?: Located[]; extensions?: { valueCompletion?: Located[] } };
  const code = (e: Located) =>
    `${String(e.extensions?.code ?? '(no code)')} at ${e.path ? e.path.join('.') : '(no path)'}`;
  // Apollo Gateway reports values it could not complete (a subgraph's null in a non-null
  // position) in extensions.valueCompletion: errors too.
  const codes = [
    ...(b.errors ?? []).map(code),
    ...(b.extensions?.valueCompletion ?? []).map((e) => `valueCompletion ${code(e)}`),
  ].sort();
  return { status: res.status, data: b.data, codes, body };
}

export class DifferentialMismatch extends Error {
  override readonly name = 'DifferentialMismatch';
}

function report(target: string, exchange: Exchange, round: number, expected: Answer, actual: Answer): string {
  return [
    `our gateway (${target}, round ${round}) answered differently from vanilla Apollo Gateway`,
    `caller: ${exchange.caller.name}`,
    'operation:',
    exchange.operation.query.replace(/^/gm, '  '),
    `variables: ${JSON.stringify(exchange.operation.variables)}`,
    `vanilla (${expected.status}): ${JSON.stringify({ data: expected.data, codes: expected.codes })}`,
    `ours    (${actual.status}): ${JSON.stringify({ data: actual.data, codes: actual.codes })}`,
    `ours, full body: ${JSON.stringify(actual.body)}`,
  ].join('\n');
}

/** Equal data (same keys in the same order) and the same codes at the same paths. */
export function sameAnswer(expected: Answer, actual: Answer): boolean {
  return (
    JSON.stringify(expected.data ?? null) === JSON.stringify(actual.data ?? null) &&
    JSON.stringify(expected.codes) === JSON.stringify(actual.codes)
  );
}

/**
 * Runs one batch: every exchange at once to vanilla, then to each of our gateways (the first
 * round), then `rounds - 1` more rounds, in another order, to those of ours with a cache on, so
 * the caches answer the same exchanges from what the first round stored while dedup mixes them
 * again.
 */
export async function checkBatch(
  targets: GatewayTargets,
  exchanges: readonly Exchange[],
  stats: DifferentialStats,
  options: { rounds?: number } = {},
): Promise<void> {
  const rounds = options.rounds ?? 2;
  const tracked = async (target: string, url: string, e: Exchange, headers: Record<string, string>) => {
    stats.enter(target);
    try {
      return await send(url, e.operation, headers);
    } finally {
      stats.leave(target);
    }
  };
  // One gateway at a time, each with the whole batch in flight at once: the concurrency that
  // matters is within a gateway (dedup, caches); all of them at once would only overload the
  // shared subgraphs (the platform's embedded shards then refuse with SHARD_UNAVAILABLE).
  const answers: { target: string; round: number; exchange: Exchange; index: number; answer: Answer }[] = [];
  const expected = await Promise.all(
    exchanges.map((e) => tracked('vanilla', targets.vanilla.url, e, { ...e.caller.vanilla() })),
  );
  const identity = exchanges.map((_, i) => i);
  for (let round = 1; round <= rounds; round++)
    for (const o of targets.ours) {
      if (round > 1 && !o.caches) continue;
      const order = round === 1 ? identity : reordered(identity, round);
      answers.push(
        ...(await Promise.all(
          order.map(async (i) => {
            const exchange = exchanges[i]!;
            const answer = await tracked(o.name, o.url, exchange, { ...exchange.caller.ours });
            return { target: o.name, round, exchange, index: i, answer };
          }),
        )),
      );
    }
  stats.exchanges += exchanges.length;
  if (process.env.DIFFERENTIAL_DEBUG)
    for (const [i, e] of exchanges.entries())
      console.log(
        e.caller.name,
        e.operation.query,
        JSON.stringify(e.operation.variables),
        '=>',
        JSON.stringify(expected[i]!.body).slice(0, 400),
      );
  for (const a of answers) {
    const want = expected[a.index]!;
    if (!sameAnswer(want, a.answer))
      throw new DifferentialMismatch(report(a.target, a.exchange, a.round, want, a.answer));
    if (want.status !== a.answer.status) {
      const key = `${a.target}: vanilla ${want.status}, ours ${a.answer.status}`;
      stats.statusDifferences.set(key, (stats.statusDifferences.get(key) ?? 0) + 1);
    }
  }
}

/** Another order for a later round, deterministic so that a counterexample replays the same way. */
function reordered(list: readonly number[], round: number): number[] {
  const shift = round % Math.max(1, list.length);
  return [...list.slice(shift), ...list.slice(0, shift)].reverse();
}
