import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES_FILE } from '../src/observability/prometheus-rule-manifest.js';
import { assertPromtool, promtool } from '../src/observability/promtool.js';
import { INFRA_DIR } from './paths.js';

/*
 * Integration layer: needs promtool (Debian package `prometheus`), which scripts/dev/services.sh
 * installs alongside the other services.
 */
const promDir = path.join(INFRA_DIR, 'observability', 'prometheus');

describe('Prometheus rules (promtool)', () => {
  it('promtool is installed', () => {
    expect(assertPromtool()).toMatch(/promtool, version 2\./);
  });

  it('promtool check rules accepts the rule file', () => {
    const r = promtool(['check', 'rules', path.join(INFRA_DIR, RULES_FILE)], INFRA_DIR);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.ok).toBe(true);
  });

  const tests = readdirSync(path.join(promDir, 'tests')).filter((f) => f.endsWith('.test.yaml'));
  it.each(tests)('promtool test rules %s passes', (file) => {
    const r = promtool(['test', 'rules', path.join('tests', file)], promDir);
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.ok, r.output).toBe(true);
  });

  it('promtool rejects a broken rule and a failing unit test (the check can fail)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'promtool-'));
    writeFileSync(
      path.join(dir, 'bad.rules.yaml'),
      'groups:\n  - name: g\n    rules:\n      - alert: Bad\n        expr: sum(rate(x[5m]) > \n',
    );
    expect(promtool(['check', 'rules', 'bad.rules.yaml'], dir).ok).toBe(false);
    writeFileSync(
      path.join(dir, 'ok.rules.yaml'),
      'groups:\n  - name: g\n    rules:\n      - alert: High\n        expr: x > 1\n',
    );
    writeFileSync(
      path.join(dir, 'wrong.test.yaml'),
      [
        'rule_files: [ok.rules.yaml]',
        'tests:',
        '  - interval: 1m',
        "    input_series: [{series: 'x', values: '0x5'}]",
        '    alert_rule_test:',
        '      - {eval_time: 3m, alertname: High, exp_alerts: [{exp_labels: {}}]}',
        '',
      ].join('\n'),
    );
    const r = promtool(['test', 'rules', 'wrong.test.yaml'], dir);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/FAILED/);
  });
});
