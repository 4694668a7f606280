import type { ConfigSpec } from './load-config.js';

export interface VariableDoc {
  readonly env: string;
  readonly default: string;
  readonly form: string;
  readonly description: string;
}

/** The documentation rows of a spec, in declaration order (for the README and `--help`). */
export function describeConfig(spec: ConfigSpec): VariableDoc[] {
  return Object.values(spec).map((v) => ({
    env: v.env,
    default: v.defaultValue === undefined ? (v.required ? '(required)' : '(unset)') : v.defaultValue,
    form: v.form,
    description: v.description,
  }));
}

/** A Markdown table of the spec's variables. */
export function formatConfigTable(spec: ConfigSpec): string {
  const rows = describeConfig(spec).map(
    (d) => `| \`${d.env}\` | \`${d.default}\` | ${d.form} | ${d.description} |`,
  );
  return ['| Variable | Default | Form | What it sets |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
