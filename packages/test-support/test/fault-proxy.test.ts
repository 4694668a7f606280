import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../src/index.js';

/** An in-process echo server: what it receives, it sends back. */
async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with the next `n` bytes read, or 'silent' if none arrive within `ms`. */
function read(socket: net.Socket, n: number, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const timer = setTimeout(() => {
      socket.off('data', onData);
      resolve(got === '' ? 'silent' : got);
    }, ms);
    const onData = (chunk: Buffer): void => {
      got += chunk.toString();
      if (got.length >= n) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
  });
}

describe('startFaultProxy', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function setup(): Promise<{ proxy: FaultProxy; echo: { port: number } }> {
    const echo = await echoServer();
    cleanup.push(echo.close);
    const proxy = await startFaultProxy({ target: echo.port });
    cleanup.push(proxy.stop);
    return { proxy, echo };
  }

  it('passes bytes both ways', async () => {
    const { proxy } = await setup();
    const socket = await connect(proxy.port);
    socket.write('hello');
    expect(await read(socket, 5, 2000)).toBe('hello');
    expect(proxy.connections).toBe(1);
    socket.destroy();
  });

  it('blackholes open and new connections, and resumes them without losing bytes', async () => {
    const { proxy } = await setup();
    const open = await connect(proxy.port);
    open.write('a');
    expect(await read(open, 1, 2000)).toBe('a');
    proxy.setMode('blackhole');
    open.write('b');
    expect(await read(open, 1, 300)).toBe('silent');
    const late = await connect(proxy.port); // the TCP handshake still succeeds, like a partition
    late.write('c');
    expect(await read(late, 1, 300)).toBe('silent');
    proxy.setMode('pass');
    expect(await read(open, 1, 2000)).toBe('b');
    expect(await read(late, 1, 2000)).toBe('c');
    open.destroy();
    late.destroy();
  });

  it('refuses: resets open connections and closes new ones', async () => {
    const { proxy } = await setup();
    const open = await connect(proxy.port);
    const closed = new Promise((resolve) => open.on('close', resolve));
    open.on('error', () => {});
    proxy.setMode('refuse');
    await closed;
    const late = net.connect(proxy.port, '127.0.0.1');
    late.on('error', () => {});
    await new Promise((resolve) => late.on('close', resolve));
    expect(late.bytesRead).toBe(0);
    expect(proxy.mode).toBe('refuse');
  });

  it('loses the next reply after the server received the request, and resets that connection', async () => {
    const received: string[] = [];
    const server = net.createServer((s) => {
      s.on('error', () => {});
      s.on('data', (chunk) => {
        received.push(chunk.toString());
        s.write(`ack:${chunk}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    const proxy = await startFaultProxy({ target: (server.address() as net.AddressInfo).port });
    cleanup.push(proxy.stop);
    const first = await connect(proxy.port);
    first.on('error', () => {});
    first.write('warm');
    expect(await read(first, 8, 2000)).toBe('ack:warm');
    const lost = proxy.loseNextReply();
    const closed = new Promise((resolve) => first.on('close', resolve));
    first.write('append');
    await lost;
    await closed;
    expect(received).toEqual(['warm', 'append']); // the server handled it; its reply never came
    const second = await connect(proxy.port); // and the next reply passes again
    second.write('again');
    expect(await read(second, 9, 2000)).toBe('ack:again');
    second.destroy();
  });

  it('delays each chunk in delay mode, in order', async () => {
    const { proxy } = await setup();
    const socket = await connect(proxy.port);
    proxy.setMode('delay', { delayMs: 150 });
    socket.write('x');
    expect(await read(socket, 1, 100)).toBe('silent');
    expect(await read(socket, 1, 1000)).toBe('x');
    socket.write('1');
    proxy.setMode('pass');
    socket.write('2');
    expect(await read(socket, 2, 2000)).toBe('12');
    socket.destroy();
  });

  it('rewrites a URL to go through the proxy', async () => {
    const { proxy } = await setup();
    expect(proxy.url('postgres://postgres@db.example:5432/app')).toBe(
      `postgres://postgres@127.0.0.1:${proxy.port}/app`,
    );
  });
});
