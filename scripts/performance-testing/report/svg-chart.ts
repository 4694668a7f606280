/** A horizontal bar chart as an inline SVG: no script, no external resource (opens offline). */
export interface Bar {
  readonly label: string;
  readonly value: number;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS = ['#3366cc', '#dc3912', '#ff9900', '#109618', '#990099', '#0099c6'];

export function barChart(
  title: string,
  bars: readonly Bar[],
  options: { unit?: string; referenceLine?: number } = {},
): string {
  const width = 720;
  const labelWidth = 260;
  const rowHeight = 22;
  const top = 28;
  const height = top + bars.length * rowHeight + 24;
  const max = Math.max(options.referenceLine ?? 0, ...bars.map((b) => b.value), 1e-9);
  const scale = (v: number) => ((width - labelWidth - 90) * Math.max(0, v)) / max;
  const rows = bars.map((b, i) => {
    const y = top + i * rowHeight;
    const w = scale(b.value);
    const value = `${Number.isInteger(b.value) ? b.value : b.value.toFixed(b.value < 10 ? 3 : 1)}${options.unit ?? ''}`;
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${COLORS[i % COLORS.length]}"><title>${esc(`${b.label}: ${value}`)}</title></rect>`,
      `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 15}">${esc(value)}</text>`,
    ].join('');
  });
  const ref =
    options.referenceLine === undefined
      ? ''
      : `<line x1="${labelWidth + scale(options.referenceLine)}" x2="${labelWidth + scale(options.referenceLine)}" y1="${top - 4}" y2="${height - 20}" stroke="#333" stroke-dasharray="4 3"/><text x="${labelWidth + scale(options.referenceLine) + 4}" y="${height - 8}" font-size="11">${options.referenceLine}${options.unit ?? ''}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<text x="0" y="16" font-weight="bold" font-size="14">${esc(title)}</text>`,
    ...rows,
    ref,
    '</svg>',
  ].join('\n');
}

/**
 * Ratios on a log scale around 1 (a diverging chart): a bar goes left of the centre line for a
 * ratio below 1 and right for above, its length ∝ |log10(ratio)|, so ×0.1 and ×10 look alike.
 */
export function ratioChart(title: string, bars: readonly Bar[]): string {
  const width = 720;
  const labelWidth = 260;
  const rowHeight = 22;
  const top = 28;
  const height = top + bars.length * rowHeight + 24;
  const half = (width - labelWidth - 60) / 2;
  const center = labelWidth + half;
  const logs = bars.map((b) => Math.log10(Math.max(b.value, 1e-6)));
  const maxAbs = Math.max(0.3, ...logs.map(Math.abs));
  const rows = bars.map((b, i) => {
    const y = top + i * rowHeight;
    const len = (half * logs[i]!) / maxAbs;
    const x = len >= 0 ? center : center + len;
    const value = `×${b.value < 10 ? b.value.toFixed(3) : b.value.toFixed(1)}`;
    // Values in their own column right of the chart, clear of the labels and the bars.
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${Math.abs(len).toFixed(1)}" height="${rowHeight - 6}" fill="${len >= 0 ? '#3366cc' : '#dc3912'}"><title>${esc(`${b.label}: ${value}`)}</title></rect>`,
      `<text x="${(center + half + 10).toFixed(1)}" y="${y + 15}">${esc(value)}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width + 60}" height="${height}" viewBox="0 0 ${width + 60} ${height}" font-family="sans-serif" font-size="12">`,
    `<text x="0" y="16" font-weight="bold" font-size="14">${esc(title)}</text>`,
    `<line x1="${center}" x2="${center}" y1="${top - 4}" y2="${height - 20}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${center}" y="${height - 8}" font-size="11" text-anchor="middle">×1 (same as baseline; log scale)</text>`,
    ...rows,
    '</svg>',
  ].join('\n');
}
