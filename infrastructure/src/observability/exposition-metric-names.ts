/**
 * The series names a Prometheus text exposition (`/metrics`) declares, from its `# TYPE` lines —
 * a metric registered but never observed is declared too, so this is what the service
 * registers, not what it happened to record. Histograms and summaries also declare their
 * `_bucket`/`_sum`/`_count` series, as PromQL reads them.
 */
export function metricNamesInExposition(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}
