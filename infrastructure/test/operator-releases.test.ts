import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCrdRegistry, missingMessage } from '../src/validation/crd-registry.js';
import { OPERATORS_COMPONENT, readOperatorReleases } from '../src/validation/operator-releases.js';
import { INFRA_DIR } from './paths.js';

const releases = readOperatorReleases(path.join(INFRA_DIR, OPERATORS_COMPONENT));

describe('operator versions', () => {
  it('are pinned once, in the operators component, one release per operator', () => {
    expect(releases.map((r) => `${r.operator.title} ${r.version}`)).toEqual([
      'Strimzi 1.2.0',
      'CloudNativePG 1.30.0',
      'RabbitMQ Cluster Operator 2.22.3',
      'OT-Container-Kit redis operator 0.17.0',
    ]);
  });

  it('are the ones the infrastructure README lists', () => {
    const readme = readFileSync(path.join(INFRA_DIR, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Operators'));
    const rows = [...section.matchAll(/^\| ([^|]+?) +\| `([0-9.]+)` +\|/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(rows).toEqual(releases.map((r) => `${r.operator.title} ${r.version}`));
  });

  const dir = mkdtempSync(path.join(tmpdir(), 'intelgraph-component-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fail to read when a resource is no known release or an operator is missing', () => {
    const file = path.join(dir, 'kustomization.yaml');
    writeFileSync(file, 'kind: Component\nresources:\n  - https://example.org/operator.yaml\n');
    expect(() => readOperatorReleases(file)).toThrow(
      /resources\[0\] .* is not a release of a known operator/,
    );
    writeFileSync(
      file,
      'kind: Component\nresources:\n  - https://github.com/strimzi/strimzi-kafka-operator/releases/download/1.2.0/strimzi-cluster-operator-1.2.0.yaml\n',
    );
    expect(() => readOperatorReleases(file)).toThrow(/no release of CloudNativePG/);
  });

  it('say which release files to fetch, and where, when a CRD folder is absent', () => {
    const registry = loadCrdRegistry(dir, releases);
    expect(registry.loaded).toEqual([]);
    expect(missingMessage(dir, registry.missing[0]!)).toBe(
      `no CRDs of Strimzi 1.2.0 at ${path.join(dir, 'strimzi-1.2.0')}: copy packaging/install/cluster-operator/04*-Crd-*.yaml ` +
        "from https://github.com/strimzi/strimzi-kafka-operator at tag 1.2.0 (or the release's install file, " +
        'https://github.com/strimzi/strimzi-kafka-operator/releases/download/1.2.0/strimzi-cluster-operator-1.2.0.yaml) ' +
        'into that folder, or set INTELGRAPH_CRDS_DIR to a folder holding strimzi-1.2.0/',
    );
  });
});
