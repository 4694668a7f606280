import { describe, expect, it } from 'vitest';
import { InProcessTransport } from '../src/in-process/in-process-transport.js';
import { runTransportContract } from './contract/transport-contract.js';

runTransportContract('in-process', (options) => new InProcessTransport(options), { timeoutMs: 5_000 });

describe('InProcessTransport', () => {
  it('delivers higher priorities first when messages wait', async () => {
    const transport = new InProcessTransport();
    const order: string[] = [];
    await transport.publish('jobs', { id: 'low', payload: {}, priority: 'low' });
    await transport.publish('jobs', { id: 'normal', payload: {} });
    await transport.publish('jobs', { id: 'critical', payload: {}, priority: 'critical' });
    await transport.publish('jobs', { id: 'high', payload: {}, priority: 'high' });
    await transport.subscribe('jobs', (m) => void order.push(m.id), { prefetch: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['critical', 'high', 'normal', 'low']);
    await transport.close();
  });

  it('never runs more handlers at once than the prefetch', async () => {
    const transport = new InProcessTransport({ prefetch: 3 });
    let running = 0;
    let peak = 0;
    let done = 0;
    await transport.subscribe('work', async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      done++;
    });
    for (let i = 0; i < 12; i++) await transport.publish('work', { payload: { i } });
    while (done < 12) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(peak).toBe(3);
    await transport.close();
  });

  it('waits for handlers in flight when a subscription closes', async () => {
    const transport = new InProcessTransport();
    let finished = false;
    const sub = await transport.subscribe('slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished = true;
    });
    await transport.publish('slow', { payload: {} });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await sub.close();
    expect(finished).toBe(true);
    await transport.close();
  });

  it('keeps early messages only for the groups declared on publish', async () => {
    const transport = new InProcessTransport({ declareGroupsOnPublish: ['workers'] });
    await transport.publish('jobs', { id: 'early', payload: {} });
    const workers: string[] = [];
    const others: string[] = [];
    await transport.subscribe('jobs', (m) => void workers.push(m.id), { group: 'workers' });
    await transport.subscribe('jobs', (m) => void others.push(m.id), { group: 'audit' });
    await transport.publish('jobs', { id: 'later', payload: {} });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(workers).toEqual(['early', 'later']);
    expect(others).toEqual(['later']);
    await transport.close();
  });

  it('validates its options', () => {
    expect(() => new InProcessTransport({ prefetch: 0 })).toThrow(/prefetch/);
    expect(() => new InProcessTransport({ retry: { jitter: 2 } })).toThrow(/retry.jitter/);
    expect(() => new InProcessTransport({ defaultGroup: 'has space' })).toThrow(/defaultGroup/);
    expect(() => new InProcessTransport({ declareGroupsOnPublish: ['ok', 'not ok'] })).toThrow(
      /declareGroupsOnPublish\[1\]/,
    );
  });
});
