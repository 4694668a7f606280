import { describe, expect, it } from 'vitest';
import { faults } from '../faults.js';
import { faultWindowStats } from '../recovery.js';

const timeline = (errors: number[]) => errors.map((e, second) => ({ second, ok: 10, errors: e }));

describe('faultWindowStats', () => {
  it('measures recovery from the heal to the last second with errors', () => {
    // fault 3..6, errors until second 8: recovered 3 s after the heal at 6.
    const s = faultWindowStats(timeline([0, 0, 0, 4, 5, 5, 3, 2, 1, 0, 0, 0]), 3, 6);
    expect(s.recoverySeconds).toBe(3);
    expect(s.errorsDuringAndAfter).toBe(20);
    expect(s.requestsDuringAndAfter).toBe(20 + 9 * 10);
  });

  it('reports 0 when errors stopped before the heal or never happened', () => {
    expect(faultWindowStats(timeline([0, 0, 2, 1, 0, 0, 0, 0]), 2, 5).recoverySeconds).toBe(0);
    expect(faultWindowStats(timeline([0, 0, 0, 0]), 1, 2)).toMatchObject({
      recoverySeconds: 0,
      errorsDuringAndAfter: 0,
    });
  });

  it('reports no recovery when errors last to the end of the run', () => {
    expect(faultWindowStats(timeline([0, 0, 1, 1, 1, 1]), 2, 3).recoverySeconds).toBeUndefined();
  });
});

describe('faults', () => {
  it('covers the six faults of the issue, in both modes', () => {
    const names = [
      'replica-stopped',
      'primary-blackholed',
      'redis-stopped',
      'rabbitmq-restarted',
      'subgraph-killed',
      'subgraph-latency',
    ];
    expect(faults(false).map((f) => f.name)).toEqual(names);
    expect(faults(true).map((f) => f.name)).toEqual(names);
    expect(faults(true).find((f) => f.name === 'replica-stopped')!.description).toMatch(/pg_ctlcluster/);
  });
});
