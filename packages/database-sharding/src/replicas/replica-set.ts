import { lookup } from 'node:dns/promises';
import net from 'node:net';

/**
 * A replica URL may name a *set* of servers instead of one: with `?resolve=addresses` its host is
 * resolved at every health round and each address it resolves to is one replica (its own pool
 * and health probe, connected to that address). Made for a headless
 * Kubernetes Service over a PostgreSQL cluster's standbys (CloudNativePG: a managed `ro`
 * Service with `clusterIP: None`): the DNS answer follows the operator's instances as they are
 * replaced, promoted or added, while every node still talks to exactly one server, so the lag
 * probe measures the server its reads go to.
 */
export const RESOLVE_PARAM = 'resolve';
export const RESOLVE_ADDRESSES = 'addresses';

/** Resolves a host name to its addresses (IPv4 and IPv6); `[]` when the name has none. */
export type ResolveAddresses = (host: string) => Promise<readonly string[]>;

/**
 * The system resolver (getaddrinfo, as `pg` itself connects). A name that does not exist or has
 * no address — a headless Service with no ready endpoint answers NXDOMAIN — is an empty set;
 * other failures (a resolver timeout) are thrown, and the caller keeps the set it had.
 */
export const resolveAllAddresses: ResolveAddresses = async (host) => {
  try {
    const answers = await lookup(host, { all: true, order: 'verbatim' });
    return answers.map((a) => a.address);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw error;
  }
};

/**
 * The host to resolve when `url` names a replica set (`?resolve=addresses`); undefined for a URL
 * naming one server. Throws on another `resolve` value (the config schema rejects it earlier).
 */
export function replicaSetHost(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const mode = parsed.searchParams.get(RESOLVE_PARAM);
  if (mode === null) return undefined;
  if (mode !== RESOLVE_ADDRESSES)
    throw new Error(`${RESOLVE_PARAM}=${mode}: expected ${RESOLVE_PARAM}=${RESOLVE_ADDRESSES}`);
  return parsed.hostname;
}

/** Whether a replica URL's `resolve` parameter, if any, is one the manager understands. */
export function isValidResolveParam(url: string): boolean {
  try {
    replicaSetHost(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * The URL each member of a replica set connects with: the set's URL without `resolve`. Its host
 * stays the set's name — what TLS checks the server certificate against (and sends as SNI) —
 * while `connectTo` pins the TCP connection to the member's address.
 */
export function replicaSetMemberUrl(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete(RESOLVE_PARAM);
  return parsed.toString();
}

/**
 * A `pg` stream factory (the `stream` client option) whose sockets connect to `address` whatever
 * host `pg` asks for: `pg` keeps using the URL's host name for TLS, the connection reaches the
 * one server the member stands for.
 */
export function connectTo(address: string): () => net.Socket {
  return () => {
    const socket = new net.Socket();
    const connect = socket.connect.bind(socket) as (port: number, host: string) => net.Socket;
    // pg calls `connect(port, host)`; only the host is replaced.
    socket.connect = ((port: number) => connect(port, address)) as typeof socket.connect;
    return socket;
  };
}
