import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKustomization } from '../src/kustomize/render-kustomization.js';
import { loadDashboards } from '../src/observability/dashboards.js';
import { RULES_FILE } from '../src/observability/prometheus-rule-manifest.js';
import { metricNamesIn } from '../src/observability/promql-metric-names.js';
import { readPromtoolTests } from '../src/observability/promtool-test-series.js';
import { INFRA_DIR, overlayDir, REPO_ROOT } from './paths.js';

const dashboards = loadDashboards(INFRA_DIR);
const rules = parse(readFileSync(path.join(INFRA_DIR, RULES_FILE), 'utf8'));

describe('metricNamesIn', () => {
  it('finds metric names, not functions, labels, strings or recording rules', () => {
    expect(
      metricNamesIn(
        'sum by (le, op) (rate(a_bucket{le="1", x=~"b_c"}[5m])) / clamp_min(sum(rate(b_total[1h])), 1e-9) or x:y:z and up',
      ),
    ).toEqual(['a_bucket', 'b_total', 'up']);
  });
});

describe('Grafana dashboards', () => {
  it('covers RED per operation, subgraphs, caches, shards and queues', () => {
    expect([...dashboards.keys()].sort()).toEqual([
      'caches.json',
      'gateway-red.json',
      'queues.json',
      'shards.json',
      'subgraphs.json',
    ]);
  });

  it.each([...dashboards])(
    '%s: unique ids, a data-source variable, defined variables, no overlapping panels',
    (_f, d) => {
      expect(d.uid).toMatch(/^intelgraph-/);
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      const vars = new Set(d.templating.list.map((v) => v.name));
      expect(vars.has('datasource')).toBe(true);
      for (const p of d.panels) {
        expect(p.targets.length, p.title).toBeGreaterThan(0);
        expect(p.datasource?.uid, p.title).toBe('$' + '{datasource}'); // Grafana's data-source variable, not a JS template
        for (const t of p.targets) {
          for (const m of t.expr.matchAll(/\$\{?(\w+)\}?/g))
            expect(vars.has(m[1]!), `${p.title}: $${m[1]}`).toBe(true);
        }
      }
      const cells = new Set<string>();
      for (const p of d.panels) {
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      }
    },
  );
});

describe('metrics', () => {
  // Whether the services register the metrics the rules and panels read is checked against
  // their live /metrics (metrics-registered.int.test.ts); here, what needs no running service.
  it('every alert is evaluated by a promtool unit test', () => {
    const alerts = rules.groups.flatMap((g: { rules: { alert?: string }[] }) =>
      g.rules.flatMap((r) => (r.alert ? [r.alert] : [])),
    );
    const { alertsTested } = readPromtoolTests(path.join(INFRA_DIR, 'observability', 'prometheus', 'tests'));
    expect(alerts.filter((a: string) => !alertsTested.has(a))).toEqual([]);
  });

  it('every HPA custom metric is served by a prometheus-adapter rule over a recording rule that exists', () => {
    const adapter = parse(
      readFileSync(path.join(INFRA_DIR, 'observability/prometheus-adapter/values.yaml'), 'utf8'),
    );
    const served = new Map<string, string>(
      adapter.rules.custom.map((r: { name: { as: string }; seriesQuery: string }) => [
        r.name.as,
        r.seriesQuery.replace(/\{.*$/, ''),
      ]),
    );
    const records = new Set(
      rules.groups.flatMap((g: { rules: { record?: string }[] }) => g.rules.map((r) => r.record)),
    );
    const hpaMetrics = renderKustomization(overlayDir('prod'))
      .filter((r) => r.kind === 'HorizontalPodAutoscaler')
      .flatMap((r) =>
        ((r.spec as { metrics: { pods?: { metric: { name: string } } }[] }).metrics ?? []).flatMap((m) =>
          m.pods ? [m.pods.metric.name] : [],
        ),
      );
    expect(hpaMetrics.length).toBeGreaterThan(0);
    for (const name of hpaMetrics) {
      expect(served.has(name), name).toBe(true);
      expect(records.has(served.get(name)), served.get(name)).toBe(true);
    }
  });
});

describe('alert runbook', () => {
  it('every alert has a runbook section, and every section an alert', () => {
    const runbook = readFileSync(path.join(REPO_ROOT, 'docs/runbooks/alerts.md'), 'utf8');
    const sections = [...runbook.matchAll(/^### (\w+)$/gm)].map((m) => m[1]!.toLowerCase());
    const alerts = rules.groups.flatMap(
      (g: { rules: { alert?: string; annotations?: { runbook_url?: string } }[] }) =>
        g.rules.filter((r) => r.alert),
    );
    for (const a of alerts) {
      expect(a.annotations?.runbook_url).toBe(`docs/runbooks/alerts.md#${a.alert!.toLowerCase()}`);
    }
    expect(sections.sort()).toEqual(alerts.map((a: { alert: string }) => a.alert.toLowerCase()).sort());
  });
});
