import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { at, classifyResponse, fillTemplate } from './graphql-body.js';
import { type LatencyStats, latencyStats } from './latency-stats.js';
import { assertLoopbackUrl } from './loopback.js';
import { type Operation, parseDuration, type Stage, type Thresholds } from './scenario-config.js';

export interface LoadOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. Loopback only. */
  readonly url: string;
  readonly stages: readonly Stage[];
  readonly operations: readonly Operation[];
  readonly headers?: Readonly<Record<string, string>>;
  /** Multiplies every stage's duration (0.5 halves the run). Default 1. */
  readonly durationScale?: number;
  /** Upper bound on requests per stage, whatever the duration. Default 200 000. */
  readonly maxRequestsPerStage?: number;
  /** Per-request timeout in seconds. Default 10. */
  readonly timeoutSeconds?: number;
  /** Called once a second with the run's progress (the chaos runner uses it to time faults). */
  readonly onSecond?: (second: TimelinePoint) => void;
}

/** One acknowledged write: the server said it committed `id`. */
export interface Acknowledged {
  readonly operation: string;
  readonly id: string;
  readonly at: number;
}

export interface TimelinePoint {
  /** Seconds since the run started. */
  readonly second: number;
  ok: number;
  errors: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly rps: number;
  readonly durationSeconds: number;
  readonly latency: LatencyStats;
  /** Error counts by code (`extensions.code`, `HTTP_<status>`, `TRANSPORT`). */
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly perOperation: Readonly<Record<string, { requests: number; errors: number }>>;
  readonly acknowledged: readonly Acknowledged[];
  readonly timeline: readonly TimelinePoint[];
}

/** A request mix in proportion to the weights, interleaved so no operation comes in a burst. */
export function weightedSequence(operations: readonly Operation[]): Operation[] {
  const remaining = new Map(operations.map((o) => [o, o.weight]));
  const out: Operation[] = [];
  while ([...remaining.values()].some((w) => w > 0)) {
    for (const op of operations) {
      const w = remaining.get(op)!;
      if (w > 0) {
        out.push(op);
        remaining.set(op, w - 1);
      }
    }
  }
  return out;
}

/**
 * Runs the stages one after another with autocannon (connections = the stage's target; a
 * ramp is approximated by its steps), classifying every response the way a client would:
 * anything but a 2xx with data and no `errors` is an error. Bounded in time (the stages) and in
 * count (`maxRequestsPerStage`), loopback only.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = assertLoopbackUrl(options.url);
  const runId = randomBytes(4).toString('hex');
  let seq = 0;
  const latencies: number[] = [];
  const errorCodes: Record<string, number> = {};
  const perOperation: Record<string, { requests: number; errors: number }> = {};
  const acknowledged: Acknowledged[] = [];
  const timeline: TimelinePoint[] = [];
  const started = Date.now();
  let requests = 0;
  let errors = 0;
  const point = (): TimelinePoint => {
    const second = Math.floor((Date.now() - started) / 1000);
    while (timeline.length <= second) timeline.push({ second: timeline.length, ok: 0, errors: 0 });
    return timeline[second]!;
  };
  const record = (operation: string, ok: boolean, code: string | undefined): void => {
    requests++;
    const op = perOperation[operation] ?? { requests: 0, errors: 0 };
    perOperation[operation] = op;
    op.requests++;
    if (ok) point().ok++;
    else {
      errors++;
      op.errors++;
      point().errors++;
      errorCodes[code ?? 'UNKNOWN'] = (errorCodes[code ?? 'UNKNOWN'] ?? 0) + 1;
    }
  };
  const requestsFor = weightedSequence(options.operations).map((op) => ({
    method: 'POST' as const,
    path: url.pathname + url.search,
    headers: { 'content-type': 'application/json', ...options.headers },
    setupRequest: (req: Record<string, unknown>) => {
      const uid = `${runId}-${++seq}`;
      return {
        ...req,
        body: JSON.stringify({ query: op.query, variables: fillTemplate(op.variables ?? {}, uid) }),
      };
    },
    onResponse: (status: number, body: unknown) => {
      const outcome = classifyResponse(status, body === undefined ? undefined : String(body));
      record(op.name, outcome.ok, outcome.code);
      if (outcome.ok && op.ackPath) {
        const id = at(outcome.data, op.ackPath);
        if (typeof id === 'string') acknowledged.push({ operation: op.name, id, at: Date.now() });
      }
    },
  }));
  const ticker = options.onSecond ? setInterval(() => options.onSecond!(point()), 1000) : undefined;
  try {
    for (const stage of options.stages) {
      const seconds = Math.max(1, Math.round(parseDuration(stage.duration) * (options.durationScale ?? 1)));
      if (stage.target === 0) {
        await new Promise((r) => setTimeout(r, seconds * 1000));
        continue;
      }
      const cap = options.maxRequestsPerStage ?? 200_000;
      let inStage = 0;
      await new Promise<void>((resolve, reject) => {
        const instance = autocannon(
          {
            url: `${url.protocol}//${url.host}`,
            connections: stage.target,
            duration: seconds,
            timeout: options.timeoutSeconds ?? 10,
            requests: requestsFor,
          } as unknown as autocannon.Options,
          (error: unknown) => (error ? reject(error) : resolve()),
        );
        instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
          latencies.push(ms);
          if (++inStage >= cap) instance.stop();
        });
        instance.on('reqError', () => record('(transport)', false, 'TRANSPORT'));
      });
    }
  } finally {
    if (ticker) clearInterval(ticker);
  }
  const durationSeconds = (Date.now() - started) / 1000;
  return {
    requests,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    rps: requests / durationSeconds,
    durationSeconds,
    latency: latencyStats(latencies),
    errorCodes,
    perOperation,
    acknowledged,
    timeline,
  };
}

export interface ThresholdCheck {
  readonly name: string;
  readonly limit: number;
  readonly actual: number;
  readonly ok: boolean;
}

/** The same gates as the k6 script: p95, p99 and error rate. A run with no request fails. */
export function checkThresholds(result: LoadResult, t: Thresholds): ThresholdCheck[] {
  return [
    {
      name: 'p95 < limit (ms)',
      limit: t.p95Ms,
      actual: result.latency.p95Ms,
      ok: result.latency.p95Ms < t.p95Ms,
    },
    {
      name: 'p99 < limit (ms)',
      limit: t.p99Ms,
      actual: result.latency.p99Ms,
      ok: result.latency.p99Ms < t.p99Ms,
    },
    {
      name: 'error rate < limit',
      limit: t.errorRate,
      actual: result.errorRate,
      ok: result.errorRate < t.errorRate,
    },
    { name: 'requests > 0', limit: 0, actual: result.requests, ok: result.requests > 0 },
  ];
}
