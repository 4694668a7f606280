import { IntelGraphError } from '@intelgraph/errors';
import { type ConfigOf, type ConfigSpec, loadConfig } from './load-config.js';

/**
 * For a service's entry point: loads the config or prints the problems to stderr and exits
 * with status 78 (EX_CONFIG) — a bad setting must stop a service at start, never half-run it.
 */
export function loadConfigOrExit<S extends ConfigSpec>(
  service: string,
  spec: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConfigOf<S> {
  try {
    return loadConfig(spec, env);
  } catch (error) {
    if (IntelGraphError.is(error, 'CONFIG_INVALID')) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** Start failures that are the configuration's fault: exit 78 (EX_CONFIG) with the code named. */
const CONFIG_CODES = new Set(['SHARD_MAP_MISMATCH']);

/**
 * For a service's entry point, around its start: a setting found wrong only while starting (a
 * rule across variables, a required secret) stops it like a malformed one — one line naming it on
 * stderr, exit 78; a configuration that contradicts the platform's state (`SHARD_MAP_MISMATCH`:
 * DATABASE_SHARDS against the stored shard map) also exits 78, its code leading the message —
 * and any other start failure exits 1 with its code (when it has one), message and stack, never
 * an unhandled rejection.
 */
export async function startOrExit<T>(service: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (IntelGraphError.is(error, 'CONFIG_INVALID')) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(78);
    }
    if (IntelGraphError.is(error) && CONFIG_CODES.has(error.code)) {
      process.stderr.write(`${service}: ${error.code}: ${error.message}\n`);
      process.exit(78);
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const code = IntelGraphError.is(error) ? `${error.code}: ` : '';
    process.stderr.write(`${service}: failed to start: ${code}${detail}\n`);
    process.exit(1);
  }
}
