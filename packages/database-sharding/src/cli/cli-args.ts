/** The parsed command line of `intelgraph-shards`. */
export interface CliArgs {
  readonly command: string | undefined;
  readonly positionals: readonly string[];
  /** `--name value` (repeatable) and `--name=value`. */
  readonly options: ReadonlyMap<string, readonly string[]>;
  /** `--flag` without a value. */
  readonly flags: ReadonlySet<string>;
}

/** Options that take no value; every other `--name` takes the next argument. */
const FLAGS = new Set(['json', 'dry-run', 'quiet', 'help', 'all', 'no-wait']);

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): CliArgs {
  const positionals: string[] = [];
  const options = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      flags.add('help');
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (FLAGS.has(name)) {
        if (eq > 0) throw new UsageError(`--${name} takes no value`);
        flags.add(name);
        continue;
      }
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--')))
        throw new UsageError(`--${name} needs a value`);
      options.set(name, [...(options.get(name) ?? []), value]);
    } else {
      positionals.push(arg);
    }
  }
  const [command, ...rest] = positionals;
  return { command, positionals: rest, options, flags };
}

export function option(args: CliArgs, name: string): string | undefined {
  return args.options.get(name)?.at(-1);
}

export function requireOption(args: CliArgs, name: string): string {
  const value = option(args, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

export function intOption(args: CliArgs, name: string, fallback: number): number {
  const raw = option(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--${name} must be a non-negative integer, got ${raw}`);
  return n;
}
