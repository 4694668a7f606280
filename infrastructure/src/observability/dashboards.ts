import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
  readonly datasource?: { uid?: string };
}
export interface DashboardPanel {
  readonly id: number;
  readonly title: string;
  readonly type: string;
  readonly gridPos: { x: number; y: number; w: number; h: number };
  readonly datasource?: { uid?: string };
  readonly targets: DashboardTarget[];
}
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: DashboardPanel[];
  readonly templating: { list: { name: string; type: string; query: unknown }[] };
}

export const DASHBOARDS_DIR = 'observability/grafana/dashboards';

/** Every dashboard JSON under infrastructure/observability/grafana/dashboards, by file name. */
export function loadDashboards(infraDir: string): Map<string, Dashboard> {
  const dir = path.join(infraDir, DASHBOARDS_DIR);
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Dashboard]),
  );
}

/** An expression with Grafana's `$var` references replaced, so it parses as PromQL. */
export function withVariablesExpanded(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, '.*');
}

/** The rule expressions of a Prometheus rule file document. */
export function ruleExpressions(rules: { groups: { rules: { expr: string }[] }[] }): string[] {
  return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}
