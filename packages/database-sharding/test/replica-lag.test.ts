import { describe, expect, it } from 'vitest';
import { ReplicaLagTracker } from '../src/replicas/replica-lag.js';

describe('ReplicaLagTracker', () => {
  it('shows no lag for a caught-up replica of an idle primary, however long it stays idle', () => {
    const t = new ReplicaLagTracker(60_000);
    t.recordPrimary(100, 0);
    t.recordPrimary(100, 1000);
    t.recordPrimary(100, 500_000);
    expect(t.lagMs(100, 500_000)).toBe(0);
    expect(t.syncedAt(100)).toBe(500_000);
  });

  it('measures lag from the first primary position the replica has not replayed', () => {
    const t = new ReplicaLagTracker(60_000);
    t.recordPrimary(100, 0);
    t.recordPrimary(200, 1000);
    t.recordPrimary(300, 2000);
    t.recordPrimary(400, 3000);
    expect(t.lagMs(100, 3500)).toBe(2500); // has been missing LSN 200 since t=1000
    expect(t.lagMs(250, 3500)).toBe(1500);
    expect(t.lagMs(400, 3500)).toBe(0);
    expect(t.syncedAt(250)).toBe(1000);
    expect(t.syncedAt(50)).toBeUndefined();
    expect(new ReplicaLagTracker(1000).lagMs(5, 0)).toBeUndefined();
  });
});
