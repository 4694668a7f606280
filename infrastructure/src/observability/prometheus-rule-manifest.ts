import { parse, stringify } from 'yaml';

/** Where the rules live and where their Kubernetes form is written, relative to infrastructure/. */
export const RULES_FILE = 'observability/prometheus/intelgraph.rules.yaml';
export const PROMETHEUS_RULE_MANIFEST = 'kubernetes/base/monitoring/prometheus-rule.yaml';

/**
 * The Prometheus Operator's PrometheusRule for a plain Prometheus rule file. The rule file is
 * the source (promtool checks and unit-tests it); this manifest is generated from it, and a test
 * fails when the committed manifest is not what this returns.
 */
export function prometheusRuleManifest(rulesYaml: string): string {
  const rules = parse(rulesYaml) as { groups: unknown[] };
  const manifest = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'intelgraph',
      namespace: 'intelgraph',
      labels: { 'app.kubernetes.io/part-of': 'intelgraph', release: 'prometheus' },
    },
    spec: { groups: rules.groups },
  };
  return (
    `# GENERATED from infrastructure/${RULES_FILE} by\n` +
    '# `pnpm --filter @intelgraph/infrastructure generate`. Edit the rule file, not this.\n' +
    stringify(manifest, { lineWidth: 0 })
  );
}
