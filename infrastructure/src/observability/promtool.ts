import { execFileSync, spawnSync } from 'node:child_process';

/** The result of one promtool run. */
export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Fails with an actionable message when promtool is not installed. */
export function assertPromtool(): string {
  try {
    return execFileSync('promtool', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw new Error(
      'promtool is not installed: run `bash scripts/dev/services.sh` (installs Debian package prometheus) or install Prometheus 2.x',
    );
  }
}

/** Runs `promtool <args>` in `cwd`. */
export function promtool(args: readonly string[], cwd: string): PromtoolResult {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
