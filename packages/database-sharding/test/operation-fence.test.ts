import { describe, expect, it } from 'vitest';
import { OperationFence } from '../src/index.js';

describe('OperationFence', () => {
  it('holds in-scope operations while closed, after draining the running ones; others pass', async () => {
    const fence = new OperationFence();
    const log: string[] = [];
    const running = await fence.enter('moving', true);
    let closed = false;
    const closing = fence.close({ keys: (k) => k === 'moving', reads: false, broadcasts: true }).then(() => {
      closed = true;
      log.push('closed');
    });
    await Promise.resolve();
    expect(closed).toBe(false); // still waiting for the running write
    const otherKey = await fence.enter('other', true);
    const readOfMoving = await fence.enter('moving', false); // reads not in scope
    otherKey();
    readOfMoving();
    running();
    await closing;
    const held = fence.enter('moving', true).then((done) => {
      log.push('write ran');
      done();
    });
    const heldBroadcast = fence.enter(undefined, false, true).then((done) => {
      log.push('broadcast ran');
      done();
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['closed']);
    fence.open();
    await Promise.all([held, heldBroadcast]);
    expect(log).toEqual(['closed', 'write ran', 'broadcast ran']);
    expect(fence.closed).toBe(false);
  });

  it('closes at once when nothing in scope runs', async () => {
    const fence = new OperationFence();
    await fence.close({ keys: () => true, reads: true, broadcasts: false });
    expect(fence.closed).toBe(true);
    await expect(fence.close({ keys: () => true, reads: true, broadcasts: false })).rejects.toThrow(
      /already closed/,
    );
    fence.open();
  });

  it('gives up closing after the timeout, reopening, when an operation in scope never finishes', async () => {
    const fence = new OperationFence();
    const stuck = await fence.enter('k', true);
    await expect(fence.close({ keys: () => true, reads: false, broadcasts: false }, 50)).rejects.toThrow(
      /did not finish/,
    );
    expect(fence.closed).toBe(false);
    const other = await fence.enter('k', true); // not held
    other();
    stuck();
  });
});

describe('OperationFence.tryEnter', () => {
  it('enters synchronously when open, and refuses (undefined) what a closed fence holds', async () => {
    const fence = new OperationFence();
    const done = fence.tryEnter('a', true);
    expect(done).toBeTypeOf('function');
    done!();
    await fence.close({ keys: (k) => k === 'a', reads: false, broadcasts: false });
    expect(fence.tryEnter('a', true)).toBeUndefined();
    expect(fence.tryEnter('a', false)).toBeTypeOf('function');
    expect(fence.tryEnter('b', true)).toBeTypeOf('function');
    fence.open();
  });
});
