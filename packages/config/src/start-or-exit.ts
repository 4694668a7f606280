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
