import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { IntelGraphError } from '@intelgraph/errors';

/** `a.b.c.d`, `a.b.c.d/n`, an IPv6 address, or `ipv6/n`: one entry of TRUSTED_PROXIES. */
export function isCidr(entry: string): boolean {
  return parseCidr(entry) !== undefined;
}

function parseCidr(entry: string): { address: string; prefix: number; type: 'ipv4' | 'ipv6' } | undefined {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = slash < 0 ? max : Number(entry.slice(slash + 1));
  if (slash >= 0 && !/^\d{1,3}$/.test(entry.slice(slash + 1))) return undefined;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, type: version === 4 ? 'ipv4' : 'ipv6' };
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * Who sent a request, for per-client limits of anonymous callers: the socket's peer address,
 * unless that peer is one of the configured proxies (TRUSTED_PROXIES, CIDRs; none by default).
 * Only then is `X-Forwarded-For` read, from the right (each proxy appends the address it saw):
 * the first address that is not itself a trusted proxy is the client. A client can put anything
 * in the header, but only at its left end, which is never reached past an untrusted hop; an
 * untrusted peer's header is ignored altogether.
 */
export class ClientAddressResolver {
  readonly #trusted = new BlockList();
  readonly #any: boolean;

  constructor(trustedProxies: readonly string[] = []) {
    for (const entry of trustedProxies) {
      const cidr = parseCidr(entry.trim());
      if (cidr === undefined) {
        throw new IntelGraphError(
          'CONFIG_INVALID',
          `TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR`,
          {
            input: entry,
            details: { field: 'TRUSTED_PROXIES' },
          },
        );
      }
      this.#trusted.addSubnet(cidr.address, cidr.prefix, cidr.type);
    }
    this.#any = trustedProxies.length > 0;
  }

  /** Whether `address` is a configured proxy. */
  trusts(address: string): boolean {
    const a = normalise(address);
    const version = isIP(a);
    return version !== 0 && this.#trusted.check(a, version === 4 ? 'ipv4' : 'ipv6');
  }

  clientAddress(req: IncomingMessage): string {
    const peer = normalise(req.socket.remoteAddress ?? 'unknown');
    if (!this.#any || !this.trusts(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    if (header === undefined) return peer;
    const hops = (Array.isArray(header) ? header.join(',') : header).split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalise(hops[i]!.trim());
      // Garbage where a proxy should have written an address: stop at the last hop we know.
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!this.trusts(hop)) return hop;
    }
    return client;
  }
}
