import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';

/*
 * What a VU worker shares with the runner (k6-runner.ts): its ids, the port to the runner's
 * HTTP agent, the shared counters, and the samples of its current iteration. k6 runs a script's
 * code synchronously (http.post returns the response), so a request is posted to the runner's
 * event loop and this thread blocks on Atomics.wait until the answer is there — the sync-over-async
 * shape of k6's own Go runtime, with each VU in its own JavaScript realm as in k6.
 */

export interface Sample {
  readonly metric: string;
  readonly type: 'counter' | 'rate' | 'trend' | 'gauge';
  readonly value: number;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface VuWorkerData {
  readonly vuId: number;
  readonly scenario: string;
  readonly scenarioIndex: number;
  readonly http: MessagePort;
  /** [0] = state (0 idle, 1 run, 2 stop after this iteration, 3 exit), [1] = HTTP signal. */
  readonly control: Int32Array;
  /** Iterations started, per scenario (shared by every VU). */
  readonly iterations: Int32Array;
  readonly env: Readonly<Record<string, string>>;
  readonly scriptPath: string;
}

export const vu = workerData as VuWorkerData;
export const samples: Sample[] = [];
export const iteration = { inScenario: 0, inTestForScenario: 0 };

export function record(sample: Sample): void {
  samples.push(sample);
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly durationMs: number;
  readonly error?: string;
}

/** Sends a request through the runner and waits (blocking this VU) for its answer. */
export function httpRoundTrip(request: {
  method: string;
  url: string;
  body?: string;
  headers: Record<string, string>;
  timeoutMs: number;
}): HttpAnswer {
  Atomics.store(vu.control, 1, 0);
  vu.http.postMessage(request);
  Atomics.wait(vu.control, 1, 0);
  const message = receiveMessageOnPort(vu.http);
  if (!message) throw new Error('k6 shim: no HTTP answer from the runner');
  return message.message as HttpAnswer;
}

/** Blocks this VU for `ms` (k6's sleep). */
export function blockFor(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
