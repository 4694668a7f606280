import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateAppend } from '../src/event-store/append-events.js';
import { prepareMessage } from '../src/messages/envelope.js';
import { failureDisposition } from '../src/transport/failure-disposition.js';
import { baseRetryDelay, resolveRetryPolicy, retryDelay } from '../src/transport/retry-policy.js';

const rules = {
  schemas: new Map([['order-placed', z.object({ orderId: z.string(), amount: z.number().positive() })]]),
  maxMessageBytes: 256,
  defaultMaxRetries: 3,
};

describe('prepareMessage', () => {
  it('fills defaults and applies the schema (parsed data is what is sent)', () => {
    const m = prepareMessage(
      'orders',
      { type: 'order-placed', payload: { orderId: 'o', amount: 2, extra: 1 } },
      rules,
    );
    expect(m).toMatchObject({ topic: 'orders', type: 'order-placed', priority: 'normal', maxRetries: 3 });
    expect(m.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(m.body.toString())).toEqual({ orderId: 'o', amount: 2 });
  });

  it('refuses bad envelopes with MESSAGE_INVALID naming the problem', () => {
    const bad = [
      () => prepareMessage('has space', { payload: {} }, rules),
      () => prepareMessage('orders', { topic: 'other', payload: {} }, rules),
      () => prepareMessage('orders', { id: '', payload: {} }, rules),
      () => prepareMessage('orders', { payload: {}, maxRetries: -1 }, rules),
      () => prepareMessage('orders', { payload: {}, headers: { 'x-ig-attempt': '9' } }, rules),
      () => prepareMessage('orders', { payload: undefined }, rules),
      () => prepareMessage('orders', { type: 'order-placed', payload: { orderId: 'o', amount: -1 } }, rules),
    ];
    for (const attempt of bad) {
      expect(attempt).toThrow(IntelGraphError);
      try {
        attempt();
      } catch (error) {
        expect((error as IntelGraphError).code).toBe('MESSAGE_INVALID');
      }
    }
  });

  it('counts key and headers towards the size limit', () => {
    expect(() => prepareMessage('t', { payload: 'x'.repeat(200), key: 'k'.repeat(60) }, rules)).toThrow(
      expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }),
    );
    expect(() => prepareMessage('t', { payload: 'x'.repeat(200) }, rules)).not.toThrow();
  });
});

describe('retry policy', () => {
  const policy = resolveRetryPolicy({ baseDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0.2 });

  it('grows exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => baseRetryDelay(policy, n))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('spreads each delay by ±jitter', () => {
    expect(retryDelay(policy, 3, () => 0)).toBe(320);
    expect(retryDelay(policy, 3, () => 0.5)).toBe(400);
    expect(retryDelay(policy, 3, () => 0.999_999)).toBe(480);
  });

  it('refuses nonsense settings', () => {
    expect(() => resolveRetryPolicy({ factor: 0.5 })).toThrow(/retry.factor/);
    expect(() => resolveRetryPolicy({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow(/retry.maxDelayMs/);
  });

  it('retries until maxRetries, then dead-letters; MESSAGE_INVALID dead-letters at once', () => {
    expect(failureDisposition(new Error('x'), 1, 2)).toMatchObject({ action: 'retry', retry: 1 });
    expect(failureDisposition(new Error('x'), 2, 2)).toMatchObject({ action: 'retry', retry: 2 });
    expect(failureDisposition(new Error('x'), 3, 2)).toMatchObject({
      action: 'dead-letter',
      reason: 'max-retries-exceeded',
      error: 'Error: x',
    });
    expect(failureDisposition(new IntelGraphError('MESSAGE_INVALID', 'no'), 1, 5)).toMatchObject({
      action: 'dead-letter',
      reason: 'invalid-message',
    });
  });
});

describe('validateAppend', () => {
  const e = (over: Record<string, unknown> = {}) => ({
    id: `e-${Math.random()}`,
    aggregateId: 'a',
    aggregateType: 'T',
    eventType: 'x',
    data: {},
    ...over,
  });

  it('derives the expected version from the first event', () => {
    expect(validateAppend([e({ version: 4 }), e({ version: 5 })]).expected).toBe(3);
    expect(validateAppend(e()).expected).toBe('any');
    expect(validateAppend(e(), 0).expected).toBe(0);
  });

  it('refuses malformed appends with EVENT_INVALID', () => {
    const bad = [
      () => validateAppend([]),
      () => validateAppend([e({ version: 1 }), e({ version: 3 })]),
      () => validateAppend([e(), e({ aggregateId: 'b' })]),
      () => validateAppend([e({ id: 'same' }), e({ id: 'same' })]),
      () => validateAppend(e({ version: 2 }), 0),
      () => validateAppend(e({ eventType: '' })),
      () => validateAppend([e({ version: 1 }), e()]),
    ];
    for (const attempt of bad) expect(attempt).toThrow(expect.objectContaining({ code: 'EVENT_INVALID' }));
  });
});
