import type { Dashboard } from './dashboards.js';
import { withVariablesExpanded } from './dashboards.js';
import { metricNamesIn } from './promql-metric-names.js';

/** A metric read by an alert, a recording rule or a dashboard panel. */
export interface MetricReader {
  readonly metric: string;
  /** `alert OutboxLagHigh`, `record intelgraph:…`, `queues.json: panel "Outbox: …"`. */
  readonly readBy: string;
}

interface RuleFile {
  groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
}

/** Every metric each rule and each dashboard panel reads (recording-rule outputs excluded). */
export function metricReaders(rules: RuleFile, dashboards: ReadonlyMap<string, Dashboard>): MetricReader[] {
  const out: MetricReader[] = [];
  for (const rule of rules.groups.flatMap((g) => g.rules)) {
    const readBy = rule.alert ? `alert ${rule.alert}` : `record ${rule.record}`;
    for (const metric of metricNamesIn(rule.expr)) out.push({ metric, readBy });
  }
  for (const [file, d] of dashboards) {
    for (const p of d.panels) {
      for (const t of p.targets) {
        for (const metric of metricNamesIn(withVariablesExpanded(t.expr))) {
          out.push({ metric, readBy: `${file}: panel "${p.title}"` });
        }
      }
    }
  }
  return out;
}
