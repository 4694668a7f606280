/*
 * A CRD version's `openAPIV3Schema` (a Kubernetes structural schema) as a JSON Schema that Ajv
 * compiles, with the API server's semantics made strict:
 *
 * - unknown fields are errors (kubectl --validate=strict) — the server would prune them
 *   silently: every object gets `additionalProperties: false` unless the schema says
 *   `x-kubernetes-preserve-unknown-fields` or gives `additionalProperties` (a map);
 * - `nullable` admits null; `x-kubernetes-int-or-string` admits an integer or a string;
 * - OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become JSON Schema's numbers;
 * - annotations (description, default, example) and `format` are dropped: the server treats
 *   most formats (int32, int64) as no-ops, and defaults are the server's business, not ours.
 *
 * `x-kubernetes-validations` (CEL rules) are not evaluated — there is no CEL interpreter
 * here; `celRules` counts them so that the caller can say so.
 */
type OpenApi = Readonly<Record<string, unknown>>;
export type JsonSchema = Record<string, unknown>;

const COPIED = [
  'enum',
  'minimum',
  'maximum',
  'pattern',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'required',
] as const;

export interface ConvertedSchema {
  readonly schema: JsonSchema;
  /** How many `x-kubernetes-validations` rules were left unevaluated. */
  readonly celRules: number;
}

export function convertCrdSchema(openApi: OpenApi): ConvertedSchema {
  let celRules = 0;
  const convert = (s: OpenApi): JsonSchema => {
    const out: JsonSchema = {};
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
    if (Array.isArray(s['x-kubernetes-validations'])) celRules += s['x-kubernetes-validations'].length;
    if (s['x-kubernetes-int-or-string'] === true) {
      out.type = s.nullable === true ? ['integer', 'string', 'null'] : ['integer', 'string'];
    } else if (typeof s.type === 'string') {
      out.type = s.nullable === true ? [s.type, 'null'] : s.type;
    }
    for (const k of COPIED) if (s[k] !== undefined) out[k] = s[k];
    if (s.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) {
      out.enum = [...out.enum, null];
    }
    for (const [key, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (s[key] === true && typeof s[bound] === 'number') {
        out[key] = s[bound];
        delete out[bound];
      }
    }
    for (const k of ['oneOf', 'anyOf', 'allOf'] as const) {
      const list = s[k];
      if (Array.isArray(list)) {
        // Value validations (structural schemas allow no types in them, so no unknown-field
        // rule either), e.g. Strimzi's "one of these fields is required".
        const converted = list.map((x) => convert(x as OpenApi));
        out[k] = out[k] ? [...(out[k] as unknown[]), ...converted] : converted;
      }
    }
    if (s.not !== undefined) out.not = convert(s.not as OpenApi);
    if (s.items !== undefined) out.items = convert(s.items as OpenApi);
    const properties = s.properties as Record<string, OpenApi> | undefined;
    if (properties) {
      out.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, convert(v)]));
    }
    if (s.additionalProperties !== undefined) {
      out.additionalProperties =
        typeof s.additionalProperties === 'boolean'
          ? s.additionalProperties
          : convert(s.additionalProperties as OpenApi);
    } else if (s.type === 'object' && !preserve) {
      out.additionalProperties = false;
    }
    return out;
  };
  const schema = convert(openApi);
  return { schema, celRules };
}
