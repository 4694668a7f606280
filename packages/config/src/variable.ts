import type { z } from 'zod';

/** How one environment variable is read: its name, documentation, default and parser. */
export interface Variable<T> {
  /** The environment variable's name, e.g. `PORT`. */
  readonly env: string;
  /** What it configures, for the README and `--help`. */
  readonly description: string;
  /** The expected form, shown in errors: "an integer port 1-65535". */
  readonly form: string;
  /** The raw default (as it would be written in the environment); absent when there is none. */
  readonly defaultValue: string | undefined;
  /** With no default: true fails at start when unset, false yields `undefined`. */
  readonly required: boolean;
  /** A secret's value is never printed, in errors or logs. */
  readonly secret: boolean;
  /** Parses the raw text. */
  readonly schema: z.ZodType<T>;
}

/** The common part of every variable builder's options. */
export interface VariableOptions {
  readonly env: string;
  readonly description: string;
  readonly default?: string;
  /** With no default, whether an unset variable fails at start (default false: it is optional). */
  readonly required?: boolean;
  readonly secret?: boolean;
}

/** A variable that always yields a value (it has a default or is required). */
export type DefinedVariable<T> = Variable<T> & { readonly __presence: 'defined' };
/** A variable that may be unset. */
export type OptionalVariable<T> = Variable<T> & { readonly __presence: 'optional' };

export type VariableResult<O extends VariableOptions, T> = O extends { default: string }
  ? DefinedVariable<T>
  : O extends { required: true }
    ? DefinedVariable<T>
    : OptionalVariable<T>;

export function defineVariable<T, O extends VariableOptions>(
  options: O,
  form: string,
  schema: z.ZodType<T>,
): VariableResult<O, T> {
  return {
    env: options.env,
    description: options.description,
    form,
    defaultValue: options.default,
    required: options.required ?? false,
    secret: options.secret ?? false,
    schema,
  } as Variable<T> as VariableResult<O, T>;
}
