import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { iteration, record, samples, vu } from './vu-context.js';

/*
 * One k6 VU (or the init/setup/teardown context): maps the `k6*` modules to this shim, sets
 * k6's globals, imports the script — its init code runs here, per VU, as in k6 — and then does
 * what its role says. A VU runs iterations while its control word says so; the runner changes
 * that word to ramp VUs up and down (k6-runner.ts).
 */

type Role = 'init' | 'setup' | 'teardown' | 'vu';
const { role, exec, setupData } = workerData as { role: Role; exec: string; setupData: unknown };

const modules: Record<string, string> = {
  k6: 'k6.ts',
  'k6/http': 'http.ts',
  'k6/metrics': 'metrics.ts',
  'k6/execution': 'execution.ts',
};
registerHooks({
  resolve(specifier, context, next) {
    const file = modules[specifier];
    if (file) {
      return { url: pathToFileURL(path.join(import.meta.dirname, 'modules', file)).href, shortCircuit: true };
    }
    return next(specifier, context);
  },
});

const scriptDir = path.dirname(vu.scriptPath);
Object.assign(globalThis, {
  __ENV: { ...vu.env },
  __VU: vu.vuId,
  // k6's open(): a file relative to the script, read in the init context.
  open: (file: string) => readFileSync(path.resolve(scriptDir, file), 'utf8'),
});

const script = (await import(pathToFileURL(vu.scriptPath).href)) as Record<string, unknown>;
const post = (message: unknown) => parentPort!.postMessage(message);

if (role === 'init') {
  post({ type: 'options', options: script.options ?? {} });
} else if (role === 'setup' || role === 'teardown') {
  const fn = script[role] as ((data?: unknown) => unknown) | undefined;
  const data = fn ? fn(setupData) : undefined;
  post({ type: 'done', data, samples: samples.splice(0) });
} else {
  const fn = script[exec] as ((data: unknown) => void) | undefined;
  if (typeof fn !== 'function') throw new Error(`the script exports no function '${exec}'`);
  const { control } = vu;
  for (;;) {
    Atomics.wait(control, 0, 0);
    const state = Atomics.load(control, 0);
    if (state === 3) break;
    if (state === 2) {
      Atomics.compareExchange(control, 0, 2, 0);
      continue;
    }
    iteration.inTestForScenario = Atomics.add(vu.iterations, vu.scenarioIndex, 1);
    const started = performance.now();
    try {
      fn(setupData);
    } catch (error) {
      post({ type: 'error', message: (error as Error).message });
    }
    record({ metric: 'iterations', type: 'counter', value: 1 });
    record({ metric: 'iteration_duration', type: 'trend', value: performance.now() - started });
    iteration.inScenario++;
    post({ type: 'samples', samples: samples.splice(0) });
  }
  post({ type: 'exited' });
}
