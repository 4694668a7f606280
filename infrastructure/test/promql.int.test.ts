import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadDashboards, withVariablesExpanded } from '../src/observability/dashboards.js';
import { promtool } from '../src/observability/promtool.js';
import { INFRA_DIR } from './paths.js';

/*
 * Every dashboard query must be valid PromQL. promtool has no "check expression" command, so
 * each query becomes a recording rule in a scratch rule file that `promtool check rules` parses.
 */
describe('Grafana dashboard queries (promtool)', () => {
  it.each([...loadDashboards(INFRA_DIR)])('%s: every query parses as PromQL', (file, d) => {
    const rules = d.panels.flatMap((p) =>
      p.targets.map((t) => ({
        record: `dashboard:panel_${p.id}_${t.refId}`,
        expr: withVariablesExpanded(t.expr),
      })),
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'promql-'));
    writeFileSync(path.join(dir, 'q.rules.yaml'), stringify({ groups: [{ name: file, rules }] }));
    const r = promtool(['check', 'rules', 'q.rules.yaml'], dir);
    expect(r.ok, r.output).toBe(true);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
  });
});
