import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../src/kustomize/render-kustomization.js';
import { checkServiceAgreement } from '../src/validation/check-service-agreement.js';
import { SERVICES } from '../src/validation/service-catalog.js';
import {
  loadServiceContract,
  type ServiceContract,
  type VariableContract,
} from '../src/validation/service-contract.js';
import { OVERLAYS, overlayDir, REPO_ROOT } from './paths.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests break manifests on purpose
type Any = any;

const contracts = new Map<string, ServiceContract>();
for (const s of SERVICES) contracts.set(s.app, await loadServiceContract(REPO_ROOT, s));

describe.each(OVERLAYS)('overlay %s agrees with the services', (overlay) => {
  const rs = renderKustomization(overlayDir(overlay));
  it.each(SERVICES.map((s) => [`${s.app} (${contracts.get(s.app)!.source})`, s] as const))(
    '%s: env vars known and valid, required ones set, port and probe paths served',
    (_label, service) => {
      expect(checkServiceAgreement(rs, service, contracts.get(service.app)!)).toEqual([]);
    },
  );
});

describe('checkServiceAgreement', () => {
  const rs = renderKustomization(overlayDir('prod'));
  const gateway = SERVICES[0]!;
  // A gateway config that knows every variable the Deployment sets, plus one more it requires.
  const deployed = (rs.find((r) => r.kind === 'Deployment' && r.metadata.name === 'gateway') as Any).spec
    .template.spec.containers[0].env as { name: string }[];
  const contract: ServiceContract = {
    source: 'code',
    variables: new Map<string, VariableContract>([
      ...deployed.map((e): [string, VariableContract] => [e.name, { env: e.name, required: false }]),
      ['PORT', { env: 'PORT', required: false, accepts: (v: string) => /^\d+$/.test(v) }],
      [
        'LOG_LEVEL',
        { env: 'LOG_LEVEL', required: false, accepts: (v: string) => ['info', 'warn'].includes(v) },
      ],
      ['IDENTITY_SECRET', { env: 'IDENTITY_SECRET', required: true, secret: true }],
      ['JWT_SIGNING_SECRET', { env: 'JWT_SIGNING_SECRET', required: true }],
      ['JWT_ISSUER', { env: 'JWT_ISSUER', required: false, secret: true }],
    ]),
    httpPaths: ['/health', '/metrics'],
  };

  it('names each disagreement: unknown, missing required, rejected values, unserved probe paths, ports', () => {
    const broken = structuredClone(rs) as Any[];
    const d = broken.find((r) => r.kind === 'Deployment' && r.metadata.name === 'gateway');
    const c = d.spec.template.spec.containers[0];
    c.env.push({ name: 'NODE_OPTIONS', value: '--max-old-space-size=400' });
    c.env.find((e: Any) => e.name === 'PORT').value = '4001';
    const problems = checkServiceAgreement(broken, gateway, contract);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /Deployment gateway: sets NODE_OPTIONS, which gateway's config \(code\) does not read/,
        ),
        expect.stringMatching(/Deployment gateway: does not set JWT_SIGNING_SECRET, which gateway requires/),
        expect.stringMatching(/Deployment gateway: JWT_ISSUER is a secret and must come from a Secret/),
        expect.stringMatching(/Deployment gateway: PORT=4001 but the container port is 4000/),
        expect.stringMatching(/Deployment gateway: readinessProbe path \/ready is not served by gateway/),
      ]),
    );
  });

  it('checks values read from the ConfigMap with the service parser', () => {
    const broken = structuredClone(rs) as Any[];
    broken.find((r) => r.kind === 'ConfigMap' && r.metadata.name === 'intelgraph-config').data.LOG_LEVEL =
      'loud';
    expect(checkServiceAgreement(broken, gateway, contract).join('\n')).toMatch(
      /LOG_LEVEL from intelgraph-config.LOG_LEVEL='loud' is rejected/,
    );
    delete broken.find((r) => r.kind === 'ConfigMap' && r.metadata.name === 'intelgraph-config').data
      .REDIS_URL;
    expect(checkServiceAgreement(broken, gateway, contract).join('\n')).toMatch(
      /missing key intelgraph-config.REDIS_URL/,
    );
  });

  it('fails when a probe targets a port the container does not declare', () => {
    const broken = structuredClone(rs) as Any[];
    const d = broken.find((r) => r.kind === 'Deployment' && r.metadata.name === 'entities');
    d.spec.template.spec.containers[0].livenessProbe.httpGet.port = 'admin';
    const problems = checkServiceAgreement(broken, SERVICES[2]!, contracts.get('entities')!);
    expect(problems.join('\n')).toMatch(
      /livenessProbe targets port admin, which the container does not declare/,
    );
  });
});
