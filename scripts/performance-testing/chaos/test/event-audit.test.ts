import { describe, expect, it } from 'vitest';
import { account, deliveryKey } from '../event-audit.js';

describe('event accounting per transport', () => {
  it('counts delivered, lost and duplicate deliveries of the appended events only', () => {
    const appended = ['a', 'b', 'c', 'd'].map((id) => ({ id, topic: 'user', sent: true }));
    const seen = new Map([
      [deliveryKey('user', 'a'), 1],
      [deliveryKey('user', 'b'), 3],
      [deliveryKey('user', 'd'), 1],
      [deliveryKey('user', 'someone-elses'), 2],
      // The same event on another topic is another delivery, not a duplicate of this one.
      [deliveryKey('tenant', 'c'), 1],
    ]);
    expect(account('kafka', appended, seen)).toEqual({
      transport: 'kafka',
      appended: 4,
      unaudited: 0,
      delivered: 3,
      lost: 1,
      duplicates: 2,
      lostIds: ['c'],
    });
  });

  it('leaves rows on topics the observer does not follow out of the count, and says how many', () => {
    const rows = [
      { id: 'a', topic: 'user', sent: true },
      { id: 'a', topic: 'cache-invalidation', sent: true },
    ];
    const seen = new Map([[deliveryKey('user', 'a'), 1]]);
    expect(account('rabbitmq', rows, seen, new Set(['user']))).toMatchObject({
      appended: 1,
      unaudited: 1,
      delivered: 1,
      lost: 0,
    });
  });
});
