import { ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { apiGroup, type Resource, resourceId } from '../manifests/resource.js';
import { describeOrigin, type ResourceOrigin } from '../manifests/resource-origin.js';
import { type CrdRegistry, missingMessage } from './crd-registry.js';
import { MODEL_CLASSES, type ModelClass } from './model-registry.js';
import type { Schema } from './redis-cluster-schema.js';
import type { StrictFieldChecker } from './strict-fields.js';

/*
 * One validation of a manifest, as `kubectl apply --validate=strict` would do it against a
 * cluster with the pinned operators installed:
 *
 * - Kubernetes, Istio and Prometheus-operator kinds: the generated schemas of kubernetes-models
 *   and @kubernetes-models/*, plus strict-fields.ts for the unknown fields those let through;
 * - operator kinds: the operator release's own CRD (crd-registry.ts), unknown fields rejected,
 *   metadata checked as ObjectMeta; an API version the release does not serve is an error;
 * - anything else: an error (a kind must have a schema to be deployed).
 *
 * Every problem names the file (and patches) the object came from, the object, and the JSON
 * pointer of the offending value.
 */

export interface ManifestValidatorOptions {
  readonly crds: CrdRegistry;
  /** Where the CRD folders are (said in the message when one is missing). */
  readonly crdsDir: string;
  readonly strictFields: StrictFieldChecker;
  /** Schemas by `apiVersion/kind` for operators whose CRD folder is missing (redis-cluster-schema.ts). */
  readonly fallbackSchemas?: Readonly<Record<string, Schema>>;
  /** File names in messages are relative to this folder. */
  readonly displayRoot: string;
}

export interface ManifestValidator {
  /** The problems of `r` (empty when valid), each `<file>#<doc>: <object>: <pointer> <message>`. */
  validate(r: Resource, origin?: ResourceOrigin): string[];
}

/** `/spec/x must be equal to one of the allowed values (a, b)` and the like, from an Ajv error. */
export function formatSchemaError(e: ErrorObject): string {
  const at = e.instancePath || '/';
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}: unknown field '${String(p.additionalProperty)}'`;
    case 'enum':
      return `${at} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at} must be ${JSON.stringify(p.allowedValue)}`;
    default:
      return `${at} ${e.message ?? 'is invalid'}`;
  }
}

function modelErrors(run: () => void): string[] {
  try {
    run();
    return [];
  } catch (error) {
    const errors = (error as { errors?: ErrorObject[] }).errors;
    if (!errors) return [`/ ${(error as Error).message}`];
    return errors.map(formatSchemaError);
  }
}

export function createManifestValidator(options: ManifestValidatorOptions): ManifestValidator {
  const { crds, strictFields } = options;
  const models = new Map<string, ModelClass>(MODEL_CLASSES.map((m) => [`${m.apiVersion}/${m.kind}`, m]));
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const fallbacks = new Map<string, ValidateFunction>(
    Object.entries(options.fallbackSchemas ?? {}).map(([k, schema]) => [k, ajv.compile(schema)]),
  );
  const missingFor = (group: string) => crds.missing.find((r) => r.operator.groups.includes(group));

  const problemsOf = (r: Resource): string[] => {
    const key = `${r.apiVersion}/${r.kind}`;
    const group = apiGroup(r.apiVersion);
    const model = models.get(key);
    if (model) {
      return [
        ...modelErrors(() => new model(r as never).validate()),
        ...strictFields.check(r).map((p) => p.slice(resourceId(r).length + 2)),
      ];
    }
    const crd = crds.lookup(r.apiVersion, r.kind);
    if (crd?.status === 'not-served') {
      return [
        `/apiVersion ${r.apiVersion} is not served by ${crd.release.operator.title} ${crd.release.version} ` +
          `(it serves ${r.kind} as ${crd.served.join(', ')})`,
      ];
    }
    if (crd) {
      const problems = crd.validate(r) ? [] : (crd.validate.errors ?? []).map(formatSchemaError);
      problems.push(
        ...modelErrors(() => new ObjectMeta(r.metadata as never).validate()).map((p) => `/metadata${p}`),
        ...strictFields.checkShared('ObjectMeta', r.metadata, '/metadata'),
      );
      return problems;
    }
    const fallback = fallbacks.get(key);
    if (fallback) return fallback(r) ? [] : (fallback.errors ?? []).map(formatSchemaError);
    if (crds.ownsGroup(group)) {
      return [`/kind ${r.kind} is not a kind of ${group} in the pinned operator release`];
    }
    const missing = missingFor(group);
    if (missing) return [`/ no schema for ${key}: ${missingMessage(options.crdsDir, missing)}`];
    const servedElsewhere = [...models.values()].filter(
      (m) => m.kind === r.kind && apiGroup(m.apiVersion) === group,
    );
    if (servedElsewhere.length > 0) {
      return [
        `/apiVersion ${r.apiVersion} is not served for ${r.kind} (the API this repository targets serves ` +
          `${servedElsewhere.map((m) => m.apiVersion).join(', ')})`,
      ];
    }
    return [`/ no schema for ${key} (add its schema before deploying it)`];
  };

  return {
    validate(r, origin) {
      const where = origin ? `${describeOrigin(origin, options.displayRoot)}: ` : '';
      return problemsOf(r).map((p) => `${where}${resourceId(r)}: ${p}`);
    },
  };
}
