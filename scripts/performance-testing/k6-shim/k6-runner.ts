import path from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { evaluateThresholds, type MetricSeries, type ThresholdResult } from './thresholds.js';
import type { HttpAnswer, Sample } from './vu-context.js';

/*
 * Runs a k6 script under Node.js (no k6 binary can be installed here, and k6's Go module is
 * AGPL): the script and its `k6`, `k6/http`, `k6/metrics`, `k6/execution` imports run unchanged,
 * each VU in its own worker thread (its own realm, its init code run per VU, as in k6), with
 * http.* synchronous through this thread's event loop (vu-context.ts). Scenarios: the
 * `ramping-vus` and `constant-vus` executors with `startTime`, `gracefulRampDown`/`gracefulStop`
 * and `exec`; `setup()`/`teardown()`; thresholds evaluated at the end (thresholds.ts). Anything
 * else the script asks for fails loudly rather than being ignored.
 */

interface Stage {
  readonly duration: string;
  readonly target: number;
}
interface ScenarioOptions {
  readonly executor: string;
  readonly startVUs?: number;
  readonly stages?: readonly Stage[];
  readonly vus?: number;
  readonly duration?: string;
  readonly startTime?: string;
  readonly gracefulRampDown?: string;
  readonly gracefulStop?: string;
  readonly exec?: string;
}
export interface K6Options {
  readonly scenarios?: Readonly<Record<string, ScenarioOptions>>;
  readonly vus?: number;
  readonly duration?: string;
  readonly thresholds?: Readonly<Record<string, readonly (string | { threshold: string })[]>>;
}

export interface K6RunResult {
  readonly thresholds: readonly ThresholdResult[];
  readonly series: ReadonlyMap<string, MetricSeries>;
  readonly seconds: number;
  readonly errors: readonly string[];
  /** As k6: every threshold held. */
  readonly passed: boolean;
}

/** `1h2m3s`, `30s`, `500ms` → milliseconds. */
export function durationMs(d: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(d);
  if (!m || d === '') throw new Error(`bad duration '${d}'`);
  return (
    Number(m[1] ?? 0) * 3_600_000 + Number(m[2] ?? 0) * 60_000 + Number(m[3] ?? 0) * 1000 + Number(m[4] ?? 0)
  );
}

/** VUs a ramping-vus scenario wants `t` ms after its start (linear within each stage). */
export function rampTarget(startVUs: number, stages: readonly Stage[], t: number): number {
  let from = startVUs;
  let at = 0;
  for (const s of stages) {
    const d = durationMs(s.duration);
    if (t < at + d) return Math.round(from + ((s.target - from) * (t - at)) / d);
    at += d;
    from = s.target;
  }
  return from;
}

interface Plan {
  readonly name: string;
  readonly index: number;
  readonly startMs: number;
  readonly durationMs: number;
  readonly graceMs: number;
  readonly exec: string;
  target(t: number): number;
}

function plan(options: K6Options): Plan[] {
  const scenarios: Record<string, ScenarioOptions> = {
    ...(options.scenarios ?? {
      default: { executor: 'constant-vus', vus: options.vus ?? 1, duration: options.duration ?? '10s' },
    }),
  };
  return Object.entries(scenarios).map(([name, s], index) => {
    const startMs = s.startTime ? durationMs(s.startTime) : 0;
    const exec = s.exec ?? 'default';
    if (s.executor === 'ramping-vus') {
      const stages = s.stages ?? [];
      return {
        name,
        index,
        startMs,
        exec,
        durationMs: stages.reduce((sum, st) => sum + durationMs(st.duration), 0),
        graceMs: durationMs(s.gracefulRampDown ?? '30s'),
        target: (t: number) => rampTarget(s.startVUs ?? 1, stages, t),
      };
    }
    if (s.executor === 'constant-vus') {
      return {
        name,
        index,
        startMs,
        exec,
        durationMs: durationMs(s.duration ?? '10s'),
        graceMs: durationMs(s.gracefulStop ?? '30s'),
        target: () => s.vus ?? 1,
      };
    }
    throw new Error(`scenario '${name}': executor '${s.executor}' is not supported by the k6 shim`);
  });
}

interface Vu {
  readonly worker: Worker;
  readonly control: Int32Array;
  readonly exited: Promise<void>;
}

export interface RunOptions {
  readonly scriptPath: string;
  readonly env: Readonly<Record<string, string>>;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

export async function runK6Script(options: RunOptions): Promise<K6RunResult> {
  const scriptPath = path.resolve(options.scriptPath);
  const log = options.log ?? (() => {});
  const series = new Map<string, MetricSeries>();
  const errors: string[] = [];
  const add = (samples: readonly Sample[]) => {
    for (const s of samples) {
      let m = series.get(s.metric);
      if (!m) {
        m = { type: s.type, values: [], tags: [] };
        series.set(s.metric, m);
      }
      m.values.push(s.value);
      m.tags.push(s.tags);
    }
  };
  const iterations = new Int32Array(new SharedArrayBuffer(4 * 64));
  let nextVuId = 1;

  const spawn = (
    role: string,
    scenario: { name: string; index: number; exec: string },
    setupData?: unknown,
  ) => {
    const control = new Int32Array(new SharedArrayBuffer(8));
    const { port1, port2 } = new MessageChannel();
    serveHttp(port1, control);
    const worker = new Worker(path.join(import.meta.dirname, 'vu-worker.ts'), {
      workerData: {
        role,
        exec: scenario.exec,
        setupData,
        vuId: role === 'vu' ? nextVuId++ : 0,
        scenario: scenario.name,
        scenarioIndex: scenario.index,
        http: port2,
        control,
        iterations,
        env: options.env,
        scriptPath,
      },
      transferList: [port2],
    });
    worker.on('message', (m: { type: string; samples?: Sample[]; message?: string }) => {
      if (m.samples) add(m.samples);
      if (m.type === 'error' && errors.length < 100) errors.push(m.message ?? 'error');
    });
    const exited = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', () => {
        port1.close();
        resolve();
      });
    });
    return { worker, control, exited };
  };
  const once = async (
    role: 'init' | 'setup' | 'teardown',
    data?: unknown,
  ): Promise<Record<string, unknown>> => {
    const w = spawn(role, { name: role, index: 63, exec: 'default' }, data);
    const result = new Promise<Record<string, unknown>>((resolve) =>
      w.worker.on('message', (m: Record<string, unknown>) => {
        if (m.type === 'options' || m.type === 'done') resolve(m);
      }),
    );
    await w.exited;
    return result;
  };

  const k6options = (await once('init')).options as K6Options;
  const plans = plan(k6options);
  const setupData = (await once('setup')).data;

  const vus = new Map<string, Vu[]>(plans.map((p) => [p.name, []]));
  const started = performance.now();
  const endOf = (p: Plan) => p.startMs + p.durationMs;
  const lastEnd = Math.max(...plans.map(endOf));
  let lastLog = 0;
  for (;;) {
    const t = performance.now() - started;
    for (const p of plans) {
      const pool = vus.get(p.name)!;
      const local = t - p.startMs;
      const want = local < 0 ? 0 : local >= p.durationMs ? 0 : p.target(local);
      while (pool.length < want) pool.push(spawn('vu', p, setupData));
      for (const [i, vu] of pool.entries()) {
        const state = Atomics.load(vu.control, 0);
        if (i < want && state !== 1) {
          Atomics.store(vu.control, 0, 1);
          Atomics.notify(vu.control, 0);
        } else if (i >= want && state === 1) {
          Atomics.store(vu.control, 0, 2);
        }
      }
    }
    if (t - lastLog >= 5000) {
      lastLog = t;
      const running = [...vus.values()].flat().filter((v) => Atomics.load(v.control, 0) === 1).length;
      log(
        `k6 shim: ${(t / 1000).toFixed(0)}s, ${running} VUs running, ${series.get('iterations')?.values.length ?? 0} iterations`,
      );
    }
    if (t >= lastEnd) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // Graceful end: VUs finish their iteration (within the grace period), then exit.
  const all = [...vus.values()].flat();
  const graceMs = Math.max(0, ...plans.map((p) => p.graceMs));
  for (const vu of all) {
    Atomics.store(vu.control, 0, 3);
    Atomics.notify(vu.control, 0);
  }
  const exitedAll = Promise.all(all.map((v) => v.exited));
  const timedOut = await Promise.race([
    exitedAll.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), graceMs)),
  ]);
  if (timedOut) {
    errors.push('VUs still running after the graceful stop were interrupted');
    await Promise.all(all.map((v) => v.worker.terminate()));
  }
  const seconds = (performance.now() - started) / 1000;
  await once('teardown', setupData);
  const thresholds = evaluateThresholds(k6options.thresholds ?? {}, series, seconds);
  return { thresholds, series, seconds, errors, passed: thresholds.every((r) => r.passed) };
}

/** The HTTP agent of one VU: each request it posts is fetched here and answered on its port. */
function serveHttp(port: MessagePort, control: Int32Array): void {
  port.on(
    'message',
    async (req: {
      method: string;
      url: string;
      body?: string;
      headers: Record<string, string>;
      timeoutMs: number;
    }) => {
      const t0 = performance.now();
      let answer: HttpAnswer;
      try {
        const res = await fetch(req.url, {
          method: req.method,
          headers: req.headers,
          ...(req.body === undefined ? {} : { body: req.body }),
          signal: AbortSignal.timeout(req.timeoutMs),
        });
        const body = await res.text();
        answer = {
          status: res.status,
          body,
          headers: Object.fromEntries(res.headers.entries()),
          durationMs: performance.now() - t0,
        };
      } catch (error) {
        answer = {
          status: 0,
          body: '',
          headers: {},
          durationMs: performance.now() - t0,
          error: (error as Error).message,
        };
      }
      port.postMessage(answer);
      Atomics.store(control, 1, 1);
      Atomics.notify(control, 1);
    },
  );
}
