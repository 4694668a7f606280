import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../../local-runner/auth-headers.js';
import { runLoad } from '../../local-runner/run-load.js';
import { loadScenarioConfig } from '../../local-runner/scenario-config.js';
import { verifyAcknowledged } from '../../local-runner/verify-writes.js';
import { EVENT_TOPICS, type EventAudit, startEventAudit } from '../event-audit.js';
import { type ChaosPlatform, startChaosPlatform } from '../platform.js';

/*
 * One chaos run end to end, short: the real accounts subgraph and gateway behind fault proxies,
 * the shard primary blackholed for four seconds during nine seconds of load (the health loop
 * needs up to one interval plus one probe timeout, 2 s, to see it down). What must hold
 * whatever the timing: writes were acknowledged, and every acknowledged write is found after;
 * no read failed (the replica is current); and the subgraph's /ready — what Kubernetes' readiness
 * probe asks — stayed 200 throughout, reporting the shard degraded, so the pod stays in service.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..', '..');
const config = loadScenarioConfig(path.join(here, '..', '..', 'local-runner', 'scenarios.json'));
let platform: ChaosPlatform;
let audit: EventAudit;

beforeAll(async () => {
  platform = await startChaosPlatform({
    root,
    logDir: mkdtempSync(path.join(tmpdir(), 'chaos-test-')),
    subgraphs: ['accounts'],
  });
  audit = await startEventAudit(platform.databases);
}, 180_000);
afterAll(async () => {
  await audit?.stop();
  await platform?.stop();
}, 60_000);

describe('chaos platform', () => {
  it('loses no acknowledged write when the shard primary is blackholed mid-load', async () => {
    const headers = authHeaders({ LOAD_JWT_SECRET: platform.jwtSecret, LOAD_TENANT: 'chaostest' });
    const setup = await fetch(platform.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: config.setup![0]!.query }),
    });
    expect(setup.status).toBe(200);
    let injected = false;
    let healed = false;
    const readyUrl = `http://127.0.0.1:${platform.proxies.subgraphs.get('accounts')!.port}/ready`;
    const readiness: Array<{ faulted: boolean; http: number; status: string; shard: string | undefined }> =
      [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const faulted = injected && !healed;
        try {
          const response = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) });
          const body = (await response.json()) as { status: string; shards?: Array<{ status: string }> };
          readiness.push({
            faulted,
            http: response.status,
            status: body.status,
            shard: body.shards?.[0]?.status,
          });
        } catch (error) {
          readiness.push({ faulted, http: 0, status: String(error), shard: undefined });
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const result = await runLoad({
      url: platform.url,
      stages: [{ duration: '9s', target: 3 }],
      operations: config.operations,
      headers,
      timeoutSeconds: 5,
      onSecond: (p) => {
        if (!injected && p.second >= 2) {
          injected = true;
          platform.proxies.pgPrimary.setMode('blackhole');
        } else if (injected && !healed && p.second >= 6) {
          healed = true;
          platform.proxies.pgPrimary.setMode('pass');
        }
      },
    });
    platform.proxies.pgPrimary.setMode('pass');
    polling = false;
    await poller;
    expect(injected && healed).toBe(true);
    const duringFault = readiness.filter((r) => r.faulted);
    expect(duringFault.length).toBeGreaterThan(0);
    expect(duringFault.filter((r) => r.http !== 200)).toEqual([]);
    expect(duringFault.some((r) => r.status === 'degraded' && r.shard === 'degraded')).toBe(true);
    const failedReads = config.operations
      .filter((op) => op.kind === 'read')
      .map((op) => [op.name, result.perOperation[op.name]?.errors ?? 0] as const)
      .filter(([, errors]) => errors > 0);
    expect(failedReads, JSON.stringify(result.errorCodes)).toEqual([]);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.acknowledged.length).toBeGreaterThan(0);
    const verification = await verifyAcknowledged({
      url: platform.url,
      headers,
      operations: config.operations,
      acknowledged: result.acknowledged,
    });
    expect(verification.unverified).toEqual([]);
    expect(verification.lost).toEqual([]);
    expect(verification.found).toBe(result.acknowledged.length);
    // The events of those writes, through the outbox, reached both transports: none lost.
    expect(await audit.drain(30_000)).toBe(true);
    const appended = await audit.appended();
    expect(appended.length).toBeGreaterThanOrEqual(result.acknowledged.length);
    const accounts = await audit.accounts(appended);
    const onEventTopics = appended.filter((e) =>
      (EVENT_TOPICS as readonly string[]).includes(e.topic),
    ).length;
    expect(onEventTopics).toBeGreaterThanOrEqual(result.acknowledged.length);
    expect(accounts.map((a) => [a.transport, a.appended, a.delivered, a.lost])).toEqual([
      ['kafka', appended.length, appended.length, 0],
      ['rabbitmq', onEventTopics, onEventTopics, 0],
    ]);
  }, 120_000);
});
