import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

/*
 * The GraphQL-over-HTTP server audit of the `graphql-http` package, run against the gateway with
 * its default settings (introspection on, since the audits query `__type`): one test per audit,
 * named by the audit, so a failing one is reported with its id and text. Every MUST and SHOULD
 * passes, and so does every MAY the gateway implements (all of them); no audit is skipped.
 */

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ INTROSPECTION: 'true' });
});
afterAll(() => gw.stop());

const audits = serverAudits({ url: () => gw.url });

describe('graphql-http server audit', () => {
  it('has audits of every level', () => {
    const levels = new Set(audits.map((a) => a.name.split(' ')[0]));
    expect([...levels].sort()).toEqual(['MAY', 'MUST', 'SHOULD']);
  });

  for (const audit of audits) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn();
      if (result.status !== 'ok') {
        const body = await result.response.text().catch(() => '');
        throw new Error(
          `${audit.id} ${audit.name}: ${result.reason} (status ${result.response.status}, body ${body.slice(0, 300)})`,
        );
      }
    });
  }
});
