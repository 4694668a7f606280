import { isIP } from 'node:net';

/**
 * Load and chaos runs may only target this machine: a loopback address (127.0.0.0/8, ::1) or
 * `localhost`. Anything else is refused before a single request is sent.
 */
export function assertLoopbackUrl(raw: string): URL {
  const url = new URL(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback =
    host === 'localhost' ||
    (isIP(host) === 4 && host.startsWith('127.')) ||
    (isIP(host) === 6 && host === '::1');
  if (!loopback) {
    throw new Error(
      `refusing to send load to ${url.host}: only loopback targets (127.0.0.0/8, ::1, localhost)`,
    );
  }
  return url;
}
