import { IntelGraphError } from '@intelgraph/errors';
import { z } from 'zod';
import { redactUrl, type ShardConfig, shardConfigSchema } from './shard-manager-options.js';

/**
 * The `DATABASE_SHARDS` environment variable: a JSON array of shards,
 * `[{"id":"s1","primary":"postgres://…","replicas":["postgres://…"],"region":"eu","range":{"from":"a","to":"m"}}]`.
 * Services parse it with `parseDatabaseShards` (or plug `databaseShardsSchema` into
 * `@intelgraph/config`) and pass the result as `shards` to `new ShardManager(...)`.
 */
export const databaseShardsSchema = z
  .string()
  .transform((raw, ctx): unknown => {
    try {
      return JSON.parse(raw);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not JSON (${(error as Error).message})` });
      return z.NEVER;
    }
  })
  .pipe(z.array(shardConfigSchema).min(1, 'expected at least one shard'));

/** The expected form, for messages and docs. */
export const DATABASE_SHARDS_FORM =
  'a JSON array like [{"id":"s1","primary":"postgres://host:5432/db","replicas":["postgres://replica:5432/db"],"region":"eu"}]';

/** Parses `DATABASE_SHARDS`; throws `CONFIG_INVALID` naming the variable, the entry and the expected form. */
export function parseDatabaseShards(raw: string, variable = 'DATABASE_SHARDS'): ShardConfig[] {
  const parsed = databaseShardsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where =
      issue.path.length > 0
        ? `${variable}${issue.path.map((p) => `[${JSON.stringify(p)}]`).join('')}`
        : variable;
    return `${where}: ${issue.message}`;
  });
  // The raw value may hold passwords inside URLs: show it with those redacted.
  let shown: unknown = '<unparseable>';
  try {
    const value = JSON.parse(raw) as unknown;
    shown = Array.isArray(value)
      ? value.map((s: Record<string, unknown>) =>
          s && typeof s === 'object'
            ? {
                ...s,
                primary: redactUrl(s.primary),
                replicas: Array.isArray(s.replicas) ? s.replicas.map(redactUrl) : s.replicas,
              }
            : s,
        )
      : value;
  } catch {}
  throw new IntelGraphError(
    'CONFIG_INVALID',
    `${variable}=${JSON.stringify(shown)} is invalid:\n  ${problems.join('\n  ')}\n  expected ${DATABASE_SHARDS_FORM}`,
    { input: shown, details: { variable, problems } },
  );
}
