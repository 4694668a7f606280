import { z } from 'zod';
import { defineVariable, type VariableOptions, type VariableResult } from './variable.js';

/**
 * Builders for the kinds of variables the services read. Each parses the raw string and names
 * its expected form, so a bad value fails at start with a message a person can act on.
 */
export const variables = {
  string<O extends VariableOptions>(options: O, form = 'a non-empty string') {
    return defineVariable(options, form, z.string().min(1));
  },

  integer<O extends VariableOptions & { min?: number; max?: number }>(options: O) {
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    const form =
      options.min !== undefined || options.max !== undefined
        ? `an integer from ${options.min ?? '-∞'} to ${options.max ?? '∞'}`
        : 'an integer';
    return defineVariable(
      options,
      form,
      z
        .string()
        .regex(/^-?\d+$/)
        .transform(Number)
        .pipe(z.number().int().min(min).max(max)),
    );
  },

  port<O extends VariableOptions>(options: O) {
    return defineVariable(
      options,
      'a TCP port from 0 to 65535',
      z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(0).max(65535)),
    );
  },

  boolean<O extends VariableOptions>(options: O) {
    return defineVariable(
      options,
      'true or false',
      z
        .string()
        .toLowerCase()
        .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
        .transform((v) => v === 'true' || v === '1' || v === 'yes'),
    );
  },

  oneOf<const V extends readonly [string, ...string[]], O extends VariableOptions>(options: O, values: V) {
    return defineVariable(options, `one of ${values.join(', ')}`, z.enum(values));
  },

  url<O extends VariableOptions & { protocols?: readonly string[] }>(options: O) {
    const protocols = options.protocols ?? ['http:', 'https:'];
    return defineVariable(
      options,
      `a URL (${protocols.map((p) => p.replace(/:$/, '')).join(', ')})`,
      z.string().refine((raw) => {
        try {
          return protocols.includes(new URL(raw).protocol);
        } catch {
          return false;
        }
      }),
    );
  },

  /** A comma-separated list whose items each pass `item` (blank items are dropped). */
  list<T, O extends VariableOptions>(options: O, item: z.ZodType<T, string>, itemForm: string) {
    return defineVariable(
      options,
      `a comma-separated list of ${itemForm}`,
      z
        .string()
        .transform((raw) =>
          raw
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
        )
        .pipe(z.array(item).min(1)),
    );
  },

  /** A JSON document validated by `schema`. */
  json<T, O extends VariableOptions>(options: O, schema: z.ZodType<T>, form: string) {
    return defineVariable(
      options,
      form,
      z
        .string()
        .transform((raw, ctx) => {
          try {
            return JSON.parse(raw) as unknown;
          } catch {
            ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
            return z.NEVER;
          }
        })
        .pipe(schema),
    );
  },
} as const;

export type { VariableResult };
