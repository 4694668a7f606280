import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastBenchLine } from './bench-line.js';
import { type BenchRun, htmlReport, markdownReport } from './build-report.js';

/*
 * Builds the report from benchmark.sh's run directory: for every `<source>.log` with its
 * `<source>.status` (exit code and seconds), the last BENCH line; writes report.md and
 * report.html there and prints the Markdown.
 *   tsx report/cli.ts <run-dir> <source>...
 */
const [dir, ...sources] = process.argv.slice(2);
if (!dir || sources.length === 0) {
  process.stderr.write('usage: tsx report/cli.ts <run-dir> <source>...\n');
  process.exit(2);
}
const runs: BenchRun[] = sources.map((file) => {
  const output = readFileSync(path.join(dir, `${file}.log`), 'utf8');
  // `<exit code> <seconds> <source name>`, written by benchmark.sh.
  const [codeText, secondsText, name] = readFileSync(path.join(dir, `${file}.status`), 'utf8')
    .trim()
    .split(/\s+/);
  const code = Number(codeText);
  const seconds = Number(secondsText);
  const source = name ?? file;
  let result: BenchRun['result'];
  let problem = '';
  try {
    result = lastBenchLine(output);
  } catch (error) {
    problem = `${(error as Error).message}\n`;
  }
  const tail = problem + output.trimEnd().split('\n').slice(-25).join('\n');
  const status: BenchRun['status'] = code !== 0 ? 'failed' : result ? 'ok' : 'no-result';
  return status === 'ok' ? { source, status, seconds, result } : { source, status, seconds, result, tail };
});
const meta = {
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
};
const md = markdownReport(runs, meta);
writeFileSync(path.join(dir, 'report.md'), md);
writeFileSync(path.join(dir, 'report.html'), htmlReport(runs, meta));
process.stdout.write(md);
const ok = runs.filter((r) => r.status === 'ok').length;
process.stdout.write(
  `\nreport: ${path.join(dir, 'report.html')} (${ok} of ${runs.length} benchmarks with results)\n`,
);
process.exitCode = ok === runs.length ? 0 : 1;
