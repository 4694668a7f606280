import { type BenchResult, metricKind, splitMetric } from './bench-line.js';
import { type Bar, barChart, ratioChart } from './svg-chart.js';

/** One benchmark run as collected by benchmark.sh. */
export interface BenchRun {
  /** The package (or `load`) it came from. */
  readonly source: string;
  readonly status: 'ok' | 'failed' | 'no-result';
  readonly seconds: number;
  readonly result?: BenchResult;
  /** The last lines of its output when it failed. */
  readonly tail?: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 3 : 1));

/** The Markdown report: one table per benchmark with its figures and ratios. */
export function markdownReport(runs: readonly BenchRun[], meta: { date: string; machine: string }): string {
  const out = [
    `# Benchmark report — ${meta.date}`,
    '',
    `Machine: ${meta.machine}`,
    '',
    '| benchmark | from | status | time |',
    '| --- | --- | --- | --- |',
  ];
  for (const r of runs)
    out.push(`| ${r.result?.name ?? '—'} | ${r.source} | ${r.status} | ${r.seconds.toFixed(0)} s |`);
  for (const r of runs) {
    if (!r.result) continue;
    out.push(
      '',
      `## ${r.result.name}`,
      '',
      `Baseline: ${r.result.baseline || '—'}`,
      '',
      '| metric | value | ratio (ours ÷ baseline) |',
      '| --- | --- | --- |',
    );
    const names = new Set([...Object.keys(r.result.metrics), ...Object.keys(r.result.ratios)]);
    for (const m of names) {
      const v = r.result.metrics[m];
      const ratio = r.result.ratios[m];
      out.push(`| ${m} | ${v === undefined ? '—' : fmt(v)} | ${ratio === undefined ? '—' : fmt(ratio)} |`);
    }
  }
  const failed = runs.filter((r) => r.status !== 'ok');
  if (failed.length > 0) {
    out.push('', '## Failed or without a BENCH line', '');
    for (const r of failed) out.push(`### ${r.source}`, '', '```', r.tail ?? '', '```', '');
  }
  return `${out.join('\n')}\n`;
}

/**
 * Splits bars into charts of comparable size (within 30× of each chart's largest), so a
 * million-ops figure does not flatten a thousand-ops one next to it; order is kept in each chart.
 */
export function byMagnitude(bars: readonly Bar[]): Bar[][] {
  const sorted = [...bars].sort((a, b) => b.value - a.value);
  const groups: Bar[][] = [];
  for (const bar of sorted) {
    const group = groups.at(-1);
    if (group && bar.value * 30 >= group[0]!.value) group.push(bar);
    else groups.push([bar]);
  }
  return groups.map((g) => bars.filter((b) => g.includes(b)));
}

function chartsFor(result: BenchResult): string[] {
  const charts: string[] = [];
  const latency: Bar[] = [];
  const throughput: Bar[] = [];
  for (const [m, v] of Object.entries(result.metrics)) {
    const { group, leaf } = splitMetric(m);
    const label = group ? `${group} ${leaf}` : leaf;
    if (metricKind(m) === 'latency') latency.push({ label, value: v });
    else if (metricKind(m) === 'throughput') throughput.push({ label, value: v });
  }
  if (latency.length > 0) {
    charts.push(barChart(`${result.name}: latency percentiles and durations`, latency, { unit: ' ms' }));
  }
  for (const [i, group] of byMagnitude(throughput).entries()) {
    charts.push(barChart(`${result.name}: throughput${i ? ` (${i + 1})` : ''}`, group, { unit: '/s' }));
  }
  const ratios = Object.entries(result.ratios).map(([label, value]) => ({ label, value }));
  if (ratios.length > 0) charts.push(ratioChart(`${result.name}: ratios, ours ÷ baseline`, ratios));
  return charts;
}

/** A self-contained HTML page (inline CSS and SVG, no script, no external resource). */
export function htmlReport(runs: readonly BenchRun[], meta: { date: string; machine: string }): string {
  const sections = runs.map((r) => {
    if (!r.result) {
      return `<section><h2>${esc(r.source)} — ${r.status}</h2><pre>${esc(r.tail ?? '')}</pre></section>`;
    }
    const rows = [...new Set([...Object.keys(r.result.metrics), ...Object.keys(r.result.ratios)])]
      .map((m) => {
        const v = r.result!.metrics[m];
        const ratio = r.result!.ratios[m];
        return `<tr><td>${esc(m)}</td><td>${v === undefined ? '—' : fmt(v)}</td><td>${ratio === undefined ? '—' : fmt(ratio)}</td></tr>`;
      })
      .join('\n');
    return [
      `<section><h2>${esc(r.result.name)} <small>(${esc(r.source)}, ${r.seconds.toFixed(0)} s)</small></h2>`,
      `<p>Baseline: ${esc(r.result.baseline || '—')}</p>`,
      `<table><thead><tr><th>metric</th><th>value</th><th>ratio</th></tr></thead><tbody>${rows}</tbody></table>`,
      ...chartsFor(r.result).map((svg) => `<figure>${svg}</figure>`),
      '</section>',
    ].join('\n');
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>IntelGraph benchmarks ${esc(meta.date)}</title>
<style>
body{font-family:sans-serif;margin:2rem;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:0.5rem 0 1rem}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}
td:nth-child(2),td:nth-child(3){text-align:right;font-variant-numeric:tabular-nums}
section{border-top:2px solid #eee;padding-top:0.5rem;margin-top:1.5rem}figure{margin:0.5rem 0}
small{color:#666;font-weight:normal}pre{background:#f6f6f6;padding:0.5rem;overflow:auto}
</style></head>
<body>
<h1>IntelGraph benchmarks</h1>
<p>${esc(meta.date)} — ${esc(meta.machine)}. Each benchmark measures ours and its baseline in the same run; ratios are ours ÷ baseline.</p>
<table><thead><tr><th>benchmark</th><th>from</th><th>status</th></tr></thead><tbody>
${runs.map((r) => `<tr><td>${esc(r.result?.name ?? '—')}</td><td>${esc(r.source)}</td><td>${r.status}</td></tr>`).join('\n')}
</tbody></table>
${sections.join('\n')}
</body></html>
`;
}
