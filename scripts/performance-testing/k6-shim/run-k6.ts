import { runK6Script } from './k6-runner.js';
import { formatSummary } from './summary.js';

/*
 * `k6 run` for the k6 shim (k6-runner.ts):
 *   tsx k6-shim/run-k6.ts run [-e KEY=VALUE]... <script.js>
 * Prints the summary and the thresholds; exits 0 when every threshold held, 99 when one did not
 * (k6's exit code), 1 on an error.
 */
const args = process.argv.slice(2);
if (args[0] !== 'run') {
  process.stderr.write('usage: run-k6 run [-e KEY=VALUE]... <script.js>\n');
  process.exit(2);
}
const env: Record<string, string> = {};
let script: string | undefined;
for (let i = 1; i < args.length; i++) {
  const a = args[i]!;
  if (a === '-e' || a === '--env') {
    const kv = args[++i] ?? '';
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`bad -e '${kv}' (KEY=VALUE)`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  } else script = a;
}
if (!script) {
  process.stderr.write('run-k6: no script\n');
  process.exit(2);
}
try {
  const result = await runK6Script({ scriptPath: script, env, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${formatSummary(result.series, result.thresholds, result.seconds)}\n`);
  if (result.errors.length > 0)
    process.stdout.write(
      `\n   iteration errors (first ${result.errors.length}):\n     ${[...new Set(result.errors)].join('\n     ')}\n`,
    );
  process.exit(result.passed ? 0 : 99);
} catch (error) {
  process.stderr.write(`run-k6: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
}
