import { Ajv, type ValidateFunction } from 'ajv';
import { type Resource, resourceId } from '../manifests/resource.js';
import { MODEL_CLASSES, type ModelClass } from './model-registry.js';
import { OPERATOR_SCHEMAS } from './operator-schemas.js';

const models = new Map<string, ModelClass>(MODEL_CLASSES.map((m) => [`${m.apiVersion}/${m.kind}`, m]));
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const operatorValidators = new Map<string, ValidateFunction>(
  Object.entries(OPERATOR_SCHEMAS).map(([k, schema]) => [k, ajv.compile(schema)]),
);

/** The kinds `validateResource` knows, as `apiVersion/kind`. */
export function knownKinds(): string[] {
  return [...models.keys(), ...operatorValidators.keys()].sort();
}

/**
 * Validates one object against its kind's schema. Returns the problems (empty when valid);
 * a kind with no schema is itself a problem.
 */
export function validateResource(r: Resource): string[] {
  const key = `${r.apiVersion}/${r.kind}`;
  const id = resourceId(r);
  const model = models.get(key);
  if (model) {
    try {
      new model(r as never).validate();
      return [];
    } catch (error) {
      const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
      if (!errors) return [`${id}: ${(error as Error).message}`];
      return errors.map((e) => `${id}: ${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
    }
  }
  const validator = operatorValidators.get(key);
  if (validator) {
    if (validator(r)) return [];
    return (validator.errors ?? []).map(
      (e) =>
        `${id}: ${e.instancePath || '/'} ${e.message ?? 'invalid'}${
          e.keyword === 'additionalProperties'
            ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
            : ''
        }`,
    );
  }
  return [`${id}: no schema for ${key} (known: ${knownKinds().join(', ')})`];
}
