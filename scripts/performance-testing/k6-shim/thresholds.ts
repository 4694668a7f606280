import type { Sample } from './vu-context.js';

/*
 * k6 thresholds: `p(95)<500`, `rate<0.01`, `avg<200`, `count>0`… on a metric, optionally
 * filtered by tags (`http_req_duration{operation:Me}`), evaluated on every sample of the run.
 */

export interface MetricSeries {
  readonly type: Sample['type'];
  readonly values: number[];
  readonly tags: (Readonly<Record<string, string>> | undefined)[];
}

export interface ThresholdResult {
  readonly metric: string;
  readonly expression: string;
  readonly actual: number;
  readonly passed: boolean;
}

const EXPRESSION =
  /^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** The aggregate `agg` (`avg`, `p(95)`, `rate`…) of `values` of a metric of `type`. */
export function aggregate(
  type: Sample['type'],
  agg: string,
  values: readonly number[],
  seconds: number,
): number {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = values.reduce((a, b) => a + b, 0);
  const p = /^p\((.+)\)$/.exec(agg);
  if (p) return percentile(sorted, Number(p[1]));
  switch (agg) {
    case 'avg':
      return values.length ? sum / values.length : 0;
    case 'min':
      return sorted[0] ?? 0;
    case 'max':
      return sorted.at(-1) ?? 0;
    case 'med':
      return percentile(sorted, 50);
    case 'count':
      return type === 'counter' ? sum : values.length;
    case 'rate':
      return type === 'rate' ? (values.length ? sum / values.length : 0) : seconds > 0 ? sum / seconds : 0;
    case 'value':
      return values.at(-1) ?? 0;
    default:
      throw new Error(`unknown aggregation '${agg}'`);
  }
}

function compare(a: number, op: string, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    default:
      return a !== b;
  }
}

/** Evaluates `options.thresholds` on the collected series (a metric with no sample is 0). */
export function evaluateThresholds(
  thresholds: Readonly<Record<string, readonly (string | { threshold: string })[]>>,
  series: ReadonlyMap<string, MetricSeries>,
  seconds: number,
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const [key, list] of Object.entries(thresholds)) {
    const m = /^([\w.]+)(?:\{(.+)\})?$/.exec(key);
    if (!m) throw new Error(`bad threshold metric '${key}'`);
    const filter = (m[2] ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split(':').map((s) => s.trim()) as [string, string]);
    const s = series.get(m[1]!);
    const values = s ? s.values.filter((_, i) => filter.every(([k, v]) => s.tags[i]?.[k] === v)) : [];
    for (const entry of list) {
      const expression = typeof entry === 'string' ? entry : entry.threshold;
      const e = EXPRESSION.exec(expression);
      if (!e) throw new Error(`bad threshold '${expression}' on ${key}`);
      const actual = aggregate(s?.type ?? 'trend', e[1]!, values, seconds);
      results.push({ metric: key, expression, actual, passed: compare(actual, e[3]!, Number(e[4])) });
    }
  }
  return results;
}
