import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceSocketWrites } from '../src/rabbitmq/coalesce-socket-writes.js';

// A loopback socket pair made in the test (no shared service): what the AMQP connection writes
// must reach the other end whole, in order, and without waiting for a later write.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function socketPair(): Promise<{ client: net.Socket; received: () => Buffer }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const accepted = once(server, 'connection');
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = (await accepted) as [net.Socket];
  const chunks: Buffer[] = [];
  peer.on('data', (chunk: Buffer) => chunks.push(chunk));
  cleanups.push(() => {
    client.destroy();
    peer.destroy();
    server.close();
  });
  return { client, received: () => Buffer.concat(chunks) };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('coalesceSocketWrites', () => {
  it('sends the frames written in one turn in order, and holds nothing back after the turn', async () => {
    const { client, received } = await socketPair();
    coalesceSocketWrites({ connection: { stream: client } });
    const frames = Array.from({ length: 50 }, (_, i) => Buffer.from(`frame-${i};`));
    for (const frame of frames) client.write(frame);
    // Corked for the rest of this turn only.
    expect(client.writableCorked).toBe(1);
    await new Promise((r) => process.nextTick(r));
    expect(client.writableCorked).toBe(0);
    const expected = Buffer.concat(frames);
    await until(() => received().length >= expected.length);
    expect(received().toString()).toBe(expected.toString());

    // A lone write in a later turn (an ack, a heartbeat) goes out without another write after it.
    client.write(Buffer.from('ack;'));
    await until(() => received().toString().endsWith('ack;'));
    expect(client.writableCorked).toBe(0);
  });

  it('calls the write callback and keeps the backpressure signal', async () => {
    const { client } = await socketPair();
    coalesceSocketWrites({ connection: { stream: client } });
    let written = false;
    expect(client.write(Buffer.from('small'), () => (written = true))).toBe(true);
    // Past the high-water mark while corked, write says "wait for drain", as unpatched.
    expect(client.write(Buffer.alloc(client.writableHighWaterMark + 1))).toBe(false);
    await once(client, 'drain');
    expect(written).toBe(true);
  });

  it('leaves anything that is not a channel model with a socket alone', () => {
    expect(() => coalesceSocketWrites(undefined)).not.toThrow();
    expect(() => coalesceSocketWrites({ connection: {} })).not.toThrow();
    const stream = { write: () => true };
    coalesceSocketWrites({ connection: { stream } });
    expect(stream.write()).toBe(true);
  });
});
