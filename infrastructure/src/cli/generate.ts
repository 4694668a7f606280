import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PROMETHEUS_RULE_MANIFEST,
  prometheusRuleManifest,
  RULES_FILE,
} from '../observability/prometheus-rule-manifest.js';

/** Regenerates the files derived from sources in infrastructure/ (today: the PrometheusRule). */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = prometheusRuleManifest(readFileSync(path.join(root, RULES_FILE), 'utf8'));
writeFileSync(path.join(root, PROMETHEUS_RULE_MANIFEST), out);
process.stdout.write(`wrote ${PROMETHEUS_RULE_MANIFEST}\n`);
