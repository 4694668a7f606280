import protobuf from 'protobufjs';
import type { EnvoyProtos } from './envoy-protos.js';

/*
 * An Envoy config (as parsed from YAML) checked against Envoy's v3 protos the way Envoy loads it:
 * YAML → JSON → the proto3 JSON mapping, then the protoc-gen-validate rules. So: every field
 * must exist in its message (snake_case or its JSON camelCase name), scalars must have their
 * type, enums one of their values, `google.protobuf.Duration` a string like `1.5s`, wrappers
 * their scalar, at most one field of a oneof (exactly one where `(validate.required)`), and each
 * `typed_config` (`google.protobuf.Any`) is checked against the message its `@type` names, which
 * must exist. Of the validation rules: required messages, string and repeated lengths, numeric
 * bounds and `defined_only` enums. Deprecated fields are reported too (Envoy warns and will
 * remove them).
 */

type Obj = Record<string, unknown>;
const ANY_PREFIX = 'type.googleapis.com/';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

type Rules = Record<string, Record<string, unknown> | undefined>;

function rulesOf(field: protobuf.Field): Rules | undefined {
  const parsed = (field as unknown as { parsedOptions?: Record<string, unknown>[] }).parsedOptions;
  const entry = parsed?.find((o) => '(validate.rules)' in o);
  return entry?.['(validate.rules)'] as Rules | undefined;
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

export function validateEnvoyMessage(
  protos: EnvoyProtos,
  typeName: string,
  value: unknown,
  at = '',
): string[] {
  const out: string[] = [];
  const problem = (where: string, message: string) => out.push(`${where || '/'} ${message}`);

  /** The problem with a scalar of proto type `type`, or undefined. */
  const scalarProblem = (type: string, v: unknown): string | undefined => {
    if (type === 'string' || type === 'bytes')
      return typeof v === 'string' ? undefined : `must be a string (${type})`;
    if (type === 'bool') return typeof v === 'boolean' ? undefined : 'must be a boolean';
    if (INT32.has(type) || INT64.has(type)) {
      const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) return `must be an integer (${type})`;
      if ((type.startsWith('u') || type.startsWith('fixed')) && n < 0)
        return `must be non-negative (${type})`;
      if (INT32.has(type) && Math.abs(n) > 2 ** 32) return `is out of range for ${type}`;
      return undefined;
    }
    if (type === 'double' || type === 'float') {
      const ok = typeof v === 'number' || ['NaN', 'Infinity', '-Infinity'].includes(String(v));
      return ok ? undefined : `must be a number (${type})`;
    }
    return undefined;
  };
  const checkScalar = (type: string, v: unknown, where: string): boolean => {
    const p = scalarProblem(type, v);
    if (p) problem(where, p);
    return p === undefined;
  };

  const checkRules = (rules: Rules | undefined, v: unknown, where: string): void => {
    if (!rules) return;
    const s = rules.string;
    if (s && typeof v === 'string') {
      if (typeof s.min_len === 'number' && v.length < s.min_len)
        problem(where, `must have at least ${s.min_len} characters`);
      if (typeof s.max_len === 'number' && v.length > s.max_len)
        problem(where, `must have at most ${s.max_len} characters`);
    }
    for (const kind of ['uint32', 'int32', 'uint64', 'int64', 'double', 'float']) {
      const r = rules[kind];
      const n = Number(v);
      if (!r || Number.isNaN(n)) continue;
      if (typeof r.gt === 'number' && !(n > r.gt)) problem(where, `must be > ${r.gt}`);
      if (typeof r.gte === 'number' && !(n >= r.gte)) problem(where, `must be >= ${r.gte}`);
      if (typeof r.lt === 'number' && !(n < r.lt)) problem(where, `must be < ${r.lt}`);
      if (typeof r.lte === 'number' && !(n <= r.lte)) problem(where, `must be <= ${r.lte}`);
    }
  };

  const checkMessage = (type: protobuf.Type, v: unknown, where: string): void => {
    const name = type.fullName.slice(1);
    switch (name) {
      case 'google.protobuf.Duration':
        if (typeof v !== 'string' || !DURATION.test(v))
          problem(
            where,
            `must be a duration string like "1.5s" (google.protobuf.Duration), not ${JSON.stringify(v)}`,
          );
        return;
      case 'google.protobuf.Timestamp':
        if (typeof v !== 'string' || !TIMESTAMP.test(v)) problem(where, 'must be an RFC 3339 timestamp');
        return;
      case 'google.protobuf.Struct':
        if (!isObj(v)) problem(where, 'must be an object (google.protobuf.Struct)');
        return;
      case 'google.protobuf.Value':
        return;
      case 'google.protobuf.ListValue':
        if (!Array.isArray(v)) problem(where, 'must be a list');
        return;
      case 'google.protobuf.Any':
        checkAny(v, where);
        return;
    }
    const wrapper =
      /^google\.protobuf\.(UInt32|Int32|UInt64|Int64|Double|Float|Bool|String|Bytes)Value$/.exec(name);
    if (wrapper) {
      checkScalar(wrapper[1]!.toLowerCase(), v, where);
      return;
    }
    if (!isObj(v)) {
      problem(where, `must be an object (${name})`);
      return;
    }
    walkFields(type, v, where);
  };

  const checkAny = (v: unknown, where: string): void => {
    if (!isObj(v) || typeof v['@type'] !== 'string') {
      problem(where, "must be an object with an '@type' (google.protobuf.Any)");
      return;
    }
    const url = v['@type'];
    if (!url.startsWith(ANY_PREFIX)) {
      problem(`${where}/@type`, `must start with ${ANY_PREFIX}`);
      return;
    }
    const target = protos.type(url.slice(ANY_PREFIX.length));
    if (!target) {
      problem(`${where}/@type`, `names ${url.slice(ANY_PREFIX.length)}, which is no message of Envoy's API`);
      return;
    }
    const { '@type': _t, ...rest } = v;
    if (target.fullName.startsWith('.google.protobuf.') && 'value' in rest) {
      checkMessage(target, rest.value, `${where}/value`);
      return;
    }
    walkFields(target, rest, where);
  };

  const checkValue = (field: protobuf.Field, v: unknown, where: string): void => {
    field.resolve();
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      if (typeof v === 'number') {
        if (!Object.values(resolved.values).includes(v)) problem(where, `is not a value of ${resolved.name}`);
      } else if (typeof v !== 'string' || !(v in resolved.values)) {
        problem(where, `must be one of ${Object.keys(resolved.values).join(', ')}`);
      }
      return;
    }
    if (resolved instanceof protobuf.Type) {
      checkMessage(resolved, v, where);
      return;
    }
    if (checkScalar(field.type, v, where)) checkRules(rulesOf(field), v, where);
  };

  const walkFields = (type: protobuf.Type, v: Obj, where: string): void => {
    const setInOneof = new Map<string, string[]>();
    for (const [key, fieldValue] of Object.entries(v)) {
      const fieldName = key in type.fields ? key : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      const field = type.fields[fieldName];
      const p = `${where}/${key}`;
      if (!field) {
        problem(where, `unknown field '${key}' (${type.fullName.slice(1)})`);
        continue;
      }
      if (field.options?.deprecated === true) problem(p, `is deprecated in ${type.fullName.slice(1)}`);
      if (field.partOf)
        setInOneof.set(field.partOf.name, [...(setInOneof.get(field.partOf.name) ?? []), key]);
      if (fieldValue === null) continue;
      if (field instanceof protobuf.MapField) {
        if (!isObj(fieldValue)) {
          problem(p, 'must be a map');
          continue;
        }
        for (const [k, item] of Object.entries(fieldValue)) checkValue(field, item, `${p}/${k}`);
      } else if (field.repeated) {
        if (!Array.isArray(fieldValue)) {
          problem(p, 'must be a list');
          continue;
        }
        const minItems = rulesOf(field)?.repeated?.min_items;
        if (typeof minItems === 'number' && fieldValue.length < minItems)
          problem(p, `must have at least ${minItems} items`);
        for (const [i, item] of fieldValue.entries()) checkValue(field, item, `${p}/${i}`);
      } else {
        checkValue(field, fieldValue, p);
      }
    }
    for (const field of Object.values(type.fields)) {
      // (A oneof member's `required` applies only when that member is the one set.)
      if (!field.partOf && rulesOf(field)?.message?.required === true && v[field.name] === undefined) {
        problem(where, `misses the required field '${field.name}' (${type.fullName.slice(1)})`);
      }
    }
    for (const oneof of Object.values(type.oneofs ?? {})) {
      const set = setInOneof.get(oneof.name) ?? [];
      if (set.length > 1)
        problem(where, `sets ${set.join(' and ')}, of which only one may be set (oneof ${oneof.name})`);
      if (set.length === 0 && oneof.options?.['(validate.required)'] === true) {
        problem(where, `needs one of ${oneof.oneof.join(', ')} (oneof ${oneof.name})`);
      }
    }
  };

  const root = protos.type(typeName);
  if (!root) throw new Error(`no message ${typeName} in Envoy's protos`);
  checkMessage(root, value, at);
  return out;
}
