import { IntelGraphError } from '@intelgraph/errors';
import { redactUrl } from '../config/shard-manager-options.js';
import { type CliArgs, option, parseArgs, UsageError } from './cli-args.js';
import { CliContext, type CliIo } from './cli-context.js';
import { type CommandResult, EXIT } from './command-result.js';
import { addCommand, drainCommand, initCommand, removeCommand } from './map-commands.js';
import { moveCommand, planCommand, rebalanceCommand, resumeCommand } from './move-commands.js';
import { statusCommand } from './status-command.js';
import { verifyCommand } from './verify-command.js';

export const HELP = `intelgraph-shards — operate the stored shard map

usage: intelgraph-shards <command> [options]   (--map-url <url> or SHARD_MAP_URL; --json for scripts)

  status                        shards, health, lag, tenants and rows per shard, placements,
                                pending moves, instances and the map version they applied
  init --shards <json>          store the first map (DATABASE_SHARDS form)
  add <id> --primary <url> [--replica <url>]… [--region <r>]
                                a new shard, pending: off the ring until rebalance
  drain <id>                    take a shard off the ring (its tenants pinned until moved)
  remove <id>                   delete an empty, non-active shard from the map
  plan                          which tenants a rebalance moves, and how much data
  rebalance [--dry-run]         pending shards join the ring, draining ones leave; moves tenants
  move <tenant> --to <id> [--dry-run]
                                move one tenant's whole footprint online
  resume [<move id>]            continue unfinished moves after a crash
  verify [<tenant>…]            row counts and checksums per tenant and shard

options: --json (one JSON document on stdout), --quiet (no progress on stderr),
         --batch-size <n> (rows per copy batch, 1000), --wait-ms <ms> (wait for instances, 30000),
         --no-wait (add/drain: do not wait for instances)
exit codes: 0 done, 1 failed (error code in the output), 2 usage, 3 needs attention
            (verify differences, a shard not ok, unfinished moves, instances behind)
`;

const COMMANDS: Record<string, (ctx: CliContext, args: CliArgs) => Promise<CommandResult>> = {
  status: statusCommand,
  init: initCommand,
  add: addCommand,
  drain: drainCommand,
  remove: removeCommand,
  plan: planCommand,
  rebalance: rebalanceCommand,
  move: moveCommand,
  resume: resumeCommand,
  verify: verifyCommand,
};

/** Runs one invocation; resolves with the exit code (the caller exits with it). */
export async function runShardsCli(
  argv: readonly string[],
  io: CliIo,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  const json = args.flags.has('json');
  if (args.flags.has('help') || args.command === undefined || args.command === 'help') {
    io.stdout(HELP);
    return args.command === undefined && !args.flags.has('help') ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[args.command];
  if (!command) {
    io.stderr(`unknown command '${args.command}'\n\n${HELP}`);
    return EXIT.usage;
  }
  const mapUrl = option(args, 'map-url') ?? env.SHARD_MAP_URL;
  if (!mapUrl) {
    io.stderr('the shard map database is needed: --map-url <postgres://…> or SHARD_MAP_URL\n');
    return EXIT.usage;
  }
  const ctx = new CliContext(mapUrl, io, args.flags.has('quiet'));
  try {
    const outcome = await command(ctx, args);
    io.stdout(
      json
        ? `${JSON.stringify({ ok: outcome.exitCode === EXIT.ok, ...outcome.result })}\n`
        : `${outcome.text}\n`,
    );
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${HELP}`);
      return EXIT.usage;
    }
    const coded = IntelGraphError.is(error) ? error : undefined;
    const failure = {
      ok: false,
      error: {
        code: coded?.code ?? 'INTERNAL_ERROR',
        message: (error as Error)?.message ?? String(error),
        ...(coded ? { details: coded.details } : {}),
      },
      mapUrl: redactUrl(mapUrl),
    };
    if (json) io.stdout(`${JSON.stringify(failure)}\n`);
    io.stderr(`intelgraph-shards ${args.command}: ${failure.error.code}: ${failure.error.message}\n`);
    return EXIT.failed;
  } finally {
    await ctx.close();
  }
}
