import net from 'node:net';

export type FaultMode = 'pass' | 'blackhole' | 'refuse' | 'delay';

export interface FaultProxyOptions {
  /** Where traffic goes: `host:port`, a port, or `{ host, port }`. */
  readonly target: string | number | { readonly host: string; readonly port: number };
  /** Listen port; default 0 (any free port). Always on 127.0.0.1. */
  readonly port?: number;
  /** Initial mode. Default `pass`. */
  readonly mode?: FaultMode;
  /** Latency added to each chunk, each way, in `delay` mode. Default 100 ms. */
  readonly delayMs?: number;
}

export interface FaultProxy {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly mode: FaultMode;
  /** Connections currently open through the proxy. */
  readonly connections: number;
  /**
   * - `pass`: forward both ways.
   * - `blackhole`: a network partition: accept new connections but never connect them on; stop
   *   moving bytes on open ones (they stay open and silent; TCP-style, nothing is lost, so
   *   traffic resumes on `pass`).
   * - `refuse`: reset open connections and close new ones at once (a dead server).
   * - `delay`: forward with `delayMs` added to every chunk.
   */
  setMode(mode: FaultMode, options?: { readonly delayMs?: number }): void;
  /**
   * A lost reply: the next bytes the server sends back on any connection are thrown away and
   * that connection is reset, after the server has received and handled the request (a broker
   * that appended a record but whose acknowledgement never arrived). Resolves once it happened.
   */
  loseNextReply(): Promise<void>;
  /** Replaces `host:port` in a URL with the proxy's (`postgres://u@db:5432/x` → `…@127.0.0.1:<port>/x`). */
  url(original: string): string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Link {
  readonly client: net.Socket;
  upstream: net.Socket | undefined;
}

function parseTarget(target: FaultProxyOptions['target']): { host: string; port: number } {
  if (typeof target === 'number') return { host: '127.0.0.1', port: target };
  if (typeof target === 'object') return { host: target.host, port: target.port };
  const at = target.lastIndexOf(':');
  return { host: at > 0 ? target.slice(0, at) : '127.0.0.1', port: Number(target.slice(at + 1)) };
}

/**
 * A fault-injecting TCP proxy for tests: put it between a client and a real service and switch
 * it between passing, blackholing (partition), refusing (crash) and delaying traffic, at run time.
 * Works for any TCP protocol (PostgreSQL, Redis, AMQP).
 *
 *   await using proxy = await startFaultProxy({ target: 5432 });
 *   const url = proxy.url(db.url);   // connect through it
 *   proxy.setMode('blackhole');      // the server now looks partitioned away
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = parseTarget(options.target);
  let mode: FaultMode = options.mode ?? 'pass';
  let delayMs = options.delayMs ?? 100;
  const links = new Set<Link>();
  const replyLosses: Array<() => void> = [];

  const forward = (from: net.Socket, to: () => net.Socket | undefined, link?: Link): void => {
    // Chunks leave in arrival order even when the mode switches from `delay` to `pass`.
    let lastSendAt = 0;
    let pending = 0;
    from.on('data', (chunk: Buffer) => {
      if (link && replyLosses.length > 0) {
        const lost = replyLosses.shift();
        link.client.resetAndDestroy();
        link.upstream?.destroy();
        lost?.();
        return;
      }
      const send = (): void => {
        const dest = to();
        if (dest && !dest.destroyed) dest.write(chunk);
      };
      const now = Date.now();
      const at = Math.max(now + (mode === 'delay' ? delayMs : 0), lastSendAt);
      if (at <= now && pending === 0) {
        send();
        return;
      }
      lastSendAt = at;
      pending++;
      setTimeout(() => {
        pending--;
        send();
      }, at - now).unref();
    });
  };

  const connectUpstream = (link: Link): void => {
    const upstream = net.connect(target.port, target.host);
    link.upstream = upstream;
    upstream.on('error', () => link.client.destroy());
    upstream.on('close', () => link.client.destroy());
    forward(upstream, () => link.client, link);
    forward(link.client, () => link.upstream);
    // While blackholed, a paused socket neither reads nor acknowledges: like a partition.
    if (mode === 'blackhole') upstream.pause();
  };

  const server = net.createServer((client) => {
    // A reset peer must never surface as an unhandled 'error' in the test process.
    client.on('error', () => {});
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client, upstream: undefined };
    links.add(link);
    client.on('close', () => {
      links.delete(link);
      link.upstream?.destroy();
    });
    if (mode === 'blackhole') {
      client.pause();
      return; // connected upstream when the mode changes back
    }
    connectUpstream(link);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  const setMode = (next: FaultMode, opts: { delayMs?: number } = {}): void => {
    if (opts.delayMs !== undefined) delayMs = opts.delayMs;
    mode = next;
    for (const link of links) {
      if (next === 'refuse') {
        link.client.resetAndDestroy();
        link.upstream?.destroy();
      } else if (next === 'blackhole') {
        link.client.pause();
        link.upstream?.pause();
      } else {
        if (!link.upstream) connectUpstream(link);
        link.client.resume();
        link.upstream?.resume();
      }
    }
  };

  const stop = async (): Promise<void> => {
    for (const link of links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    links.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    host: '127.0.0.1',
    port,
    get mode() {
      return mode;
    },
    get connections() {
      return links.size;
    },
    setMode,
    loseNextReply: () => new Promise<void>((resolve) => replyLosses.push(resolve)),
    url(original: string): string {
      const u = new URL(original);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
