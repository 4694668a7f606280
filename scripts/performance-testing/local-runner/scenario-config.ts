import { readFileSync } from 'node:fs';

/** One k6-style ramping stage: reach `target` virtual users (local: connections) over `duration`. */
export interface Stage {
  readonly duration: string;
  readonly target: number;
}

export interface Scenario {
  readonly description: string;
  /** For k6 against staging. */
  readonly stages: readonly Stage[];
  /** Shortened and capped for the local runner on one small machine. */
  readonly localStages: readonly Stage[];
}

export interface Operation {
  readonly name: string;
  readonly kind: 'read' | 'write';
  readonly weight: number;
  readonly query: string;
  /** Variables; every `{{uid}}` in a string becomes a value unique to the request. */
  readonly variables?: Record<string, unknown>;
  /** For writes: where the acknowledged id is in `data` (`createUser.id`). */
  readonly ackPath?: string;
  /** For writes: how to find the written record again (`$id` is the acknowledged id). */
  readonly verify?: { readonly query: string; readonly foundPath: string };
}

export interface SetupOperation {
  readonly name: string;
  readonly query: string;
  /** Error codes that mean "already done" (a second run). */
  readonly tolerate?: readonly string[];
}

export interface Thresholds {
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly errorRate: number;
}

export interface ScenarioConfig {
  readonly thresholds: Thresholds;
  readonly scenarios: Readonly<Record<string, Scenario>>;
  readonly operations: readonly Operation[];
  readonly setup?: readonly SetupOperation[];
}

/** `30s`, `5m`, `2h`, `1m30s` → seconds. */
export function parseDuration(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '') throw new Error(`bad duration '${text}' (expected like 30s, 5m, 1h, 1m30s)`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Reads and checks a scenario file; fails naming the first problem. */
export function loadScenarioConfig(file: string): ScenarioConfig {
  const config = JSON.parse(readFileSync(file, 'utf8')) as ScenarioConfig;
  const t = config.thresholds;
  if (!(t?.p95Ms > 0 && t.p99Ms >= t.p95Ms && t.errorRate >= 0 && t.errorRate < 1)) {
    throw new Error(`${file}: thresholds need p95Ms > 0, p99Ms >= p95Ms, 0 <= errorRate < 1`);
  }
  for (const [name, s] of Object.entries(config.scenarios ?? {})) {
    for (const stage of [...s.stages, ...s.localStages]) {
      parseDuration(stage.duration);
      if (!Number.isInteger(stage.target) || stage.target < 0)
        throw new Error(`${file}: ${name}: bad target`);
    }
    if (s.localStages.length === 0) throw new Error(`${file}: ${name}: no localStages`);
  }
  if (!config.operations?.length) throw new Error(`${file}: no operations`);
  for (const op of config.operations) {
    if (!(op.weight > 0)) throw new Error(`${file}: operation ${op.name}: weight must be > 0`);
    if (op.kind === 'write' && op.verify && !op.ackPath)
      throw new Error(`${file}: ${op.name}: verify needs ackPath`);
  }
  return config;
}
