import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

interface PromtoolTestFile {
  tests: {
    input_series?: { series: string }[];
    alert_rule_test?: { alertname: string }[];
  }[];
}

export interface PromtoolTests {
  /** Metric names of every `input_series`, with the file that feeds them. */
  readonly series: readonly { metric: string; file: string }[];
  /** The alerts some `alert_rule_test` evaluates. */
  readonly alertsTested: ReadonlySet<string>;
}

/** The series and alerts of the promtool unit tests in `dir` (`*.test.yaml`). */
export function readPromtoolTests(dir: string): PromtoolTests {
  const series: { metric: string; file: string }[] = [];
  const alertsTested = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test.yaml'))) {
    const doc = parse(readFileSync(path.join(dir, file), 'utf8')) as PromtoolTestFile;
    for (const t of doc.tests) {
      for (const s of t.input_series ?? []) {
        const metric = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(s.series)?.[0];
        if (!metric) throw new Error(`${file}: input series without a metric name: ${s.series}`);
        series.push({ metric, file });
      }
      for (const a of t.alert_rule_test ?? []) alertsTested.add(a.alertname);
    }
  }
  return { series, alertsTested };
}
