/**
 * The metric names a PromQL expression reads. Enough of PromQL for our rules and dashboards:
 * identifiers that are not functions, keywords, label names, durations or recording rules
 * (names with a colon). `_bucket`/`_count`/`_sum` are kept as written; callers decide.
 */
const NOT_METRICS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'rate',
  'irate',
  'increase',
  'delta',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'histogram_quantile',
  'clamp_min',
  'clamp_max',
  'abs',
  'label_values',
  'label_replace',
  'topk',
  'bottomk',
  'le',
  'inf',
  'nan',
  'time',
  'vector',
  'scalar',
  'absent',
  'max_over_time',
  'min_over_time',
  'avg_over_time',
]);

export function metricNamesIn(expr: string): string[] {
  const cleaned = expr
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range selectors
    .replace(/"[^"]*"|'[^']*'/g, ' ') // strings
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names = new Set<string>();
  for (const m of cleaned.matchAll(/(?<![\w:.$])([a-zA-Z_][a-zA-Z0-9_:]*)(?![\w:(])/g)) {
    const name = m[1]!;
    if (name.includes(':') || NOT_METRICS.has(name) || /^\d/.test(name)) continue;
    names.add(name);
  }
  return [...names].sort();
}
