import { IntelGraphError } from '@intelgraph/errors';
import type { DefinedVariable, OptionalVariable, Variable } from './variable.js';

/** A service's configuration: its fields, each read from one environment variable. */
export type ConfigSpec = Readonly<Record<string, Variable<unknown>>>;

export type ConfigOf<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends DefinedVariable<infer T>
    ? T
    : S[K] extends OptionalVariable<infer T>
      ? T | undefined
      : never;
};

export interface ConfigProblem {
  readonly variable: string;
  readonly value: string | undefined;
  readonly expected: string;
  readonly reason: string;
}

/** Names the variable, the value (redacted for secrets) and the expected form. */
function describeProblem(p: ConfigProblem): string {
  const value = p.value === undefined ? 'unset' : `'${p.value}'`;
  return `${p.variable}=${value}: ${p.reason}; expected ${p.expected}`;
}

/**
 * Reads and validates every variable of `spec` from `env` at once. Nothing is read at import
 * time: callers pass the environment in (tests pass a plain object). All problems are reported
 * together in one `CONFIG_INVALID` error whose `details.problems` lists them.
 */
export function loadConfig<S extends ConfigSpec>(
  spec: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConfigOf<S> {
  const result: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [field, variable] of Object.entries(spec)) {
    const rawSet = env[variable.env];
    const raw = rawSet === undefined || rawSet.trim() === '' ? variable.defaultValue : rawSet.trim();
    if (raw === undefined) {
      if (variable.required) {
        problems.push({
          variable: variable.env,
          value: undefined,
          expected: variable.form,
          reason: 'required',
        });
      }
      result[field] = undefined;
      continue;
    }
    const parsed = variable.schema.safeParse(raw);
    if (parsed.success) {
      result[field] = parsed.data;
    } else {
      problems.push({
        variable: variable.env,
        value: variable.secret ? '<redacted>' : raw,
        expected: variable.form,
        reason: parsed.error.issues[0]?.message ?? 'invalid',
      });
    }
  }
  if (problems.length > 0) {
    throw new IntelGraphError(
      'CONFIG_INVALID',
      `Invalid configuration:\n  ${problems.map(describeProblem).join('\n  ')}`,
      { input: problems.map((p) => ({ [p.variable]: p.value })), details: { problems } },
    );
  }
  return result as ConfigOf<S>;
}
