import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { loadYamlDocuments } from '../manifests/load-yaml-documents.js';
import { convertCrdSchema, type JsonSchema } from './crd-schema.js';
import type { OperatorRelease } from './operator-releases.js';

/*
 * The operators' own CustomResourceDefinitions, read unchanged from the release folders
 * (`<crdsDir>/<operator>-<version>/`, as ../shared/crds lays them out), for the releases the
 * operators component installs. Each served version's schema is compiled on first use.
 */

interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly schema: JsonSchema;
  readonly celRules: number;
}

interface CrdKind {
  readonly group: string;
  readonly kind: string;
  readonly release: OperatorRelease;
  readonly file: string;
  readonly versions: readonly CrdVersion[];
}

export type CrdLookup =
  | {
      readonly status: 'served';
      readonly release: OperatorRelease;
      readonly file: string;
      readonly validate: ValidateFunction;
      readonly celRules: number;
    }
  | { readonly status: 'not-served'; readonly release: OperatorRelease; readonly served: readonly string[] };

export interface CrdRegistry {
  /** The releases whose CRD folder was found. */
  readonly loaded: readonly OperatorRelease[];
  /** The releases whose CRD folder is missing, with what to download (`missingMessage`). */
  readonly missing: readonly OperatorRelease[];
  /** Whether some loaded release defines `group` (its kinds are then only valid as it serves them). */
  ownsGroup(group: string): boolean;
  /** The schema of `apiVersion`/`kind`; undefined when no loaded CRD defines that group and kind. */
  lookup(apiVersion: string, kind: string): CrdLookup | undefined;
}

/** What to fetch when a release's CRD folder is absent. */
export function missingMessage(crdsDir: string, r: OperatorRelease): string {
  const folder = path.join(crdsDir, r.operator.crdFolder(r.version));
  return (
    `no CRDs of ${r.operator.title} ${r.version} at ${folder}: copy ${r.operator.crdSource} from ` +
    `https://github.com/${r.operator.repository} at tag ${r.version} (or the release's install ` +
    `file, ${r.url}) into that folder, or set INTELGRAPH_CRDS_DIR to a folder holding ` +
    `${r.operator.crdFolder(r.version)}/`
  );
}

interface CrdDocument {
  kind?: string;
  spec?: {
    group?: string;
    names?: { kind?: string };
    versions?: { name: string; served: boolean; schema?: { openAPIV3Schema?: Record<string, unknown> } }[];
  };
}

function readCrds(folder: string, release: OperatorRelease): CrdKind[] {
  const out: CrdKind[] = [];
  for (const f of readdirSync(folder).sort()) {
    if (!/\.ya?ml$/.test(f)) continue;
    const file = path.join(folder, f);
    for (const doc of loadYamlDocuments(file) as CrdDocument[]) {
      if (doc.kind !== 'CustomResourceDefinition') continue;
      const { group, names, versions } = doc.spec ?? {};
      if (!group || !names?.kind || !versions) throw new Error(`${file}: not a CustomResourceDefinition v1`);
      out.push({
        group,
        kind: names.kind,
        release,
        file,
        versions: versions.map((v) => {
          const openApi = v.schema?.openAPIV3Schema;
          if (!openApi) throw new Error(`${file}: version ${v.name} of ${names.kind} has no openAPIV3Schema`);
          const { schema, celRules } = convertCrdSchema(openApi);
          const props = schema.properties as Record<string, JsonSchema>;
          // apiVersion and kind must be these; metadata is ObjectMeta, which the CRD schema
          // leaves to the API server (manifest-validator.ts checks it as the server would).
          props.apiVersion = { const: `${group}/${v.name}` };
          props.kind = { const: names.kind };
          props.metadata = { type: 'object' };
          return { name: v.name, served: v.served, schema, celRules };
        }),
      });
    }
  }
  return out;
}

export function loadCrdRegistry(crdsDir: string, releases: readonly OperatorRelease[]): CrdRegistry {
  const loaded: OperatorRelease[] = [];
  const missing: OperatorRelease[] = [];
  const kinds = new Map<string, CrdKind>();
  for (const release of releases) {
    const folder = path.join(crdsDir, release.operator.crdFolder(release.version));
    if (!existsSync(folder)) {
      missing.push(release);
      continue;
    }
    loaded.push(release);
    for (const k of readCrds(folder, release)) kinds.set(`${k.group}/${k.kind}`, k);
  }
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const compiled = new Map<string, ValidateFunction>();
  const ownedGroups = new Set([...kinds.values()].map((k) => k.group));
  return {
    loaded,
    missing,
    ownsGroup: (group) => ownedGroups.has(group),
    lookup(apiVersion, kind) {
      const slash = apiVersion.indexOf('/');
      const group = apiVersion.slice(0, slash);
      const versionName = apiVersion.slice(slash + 1);
      const k = kinds.get(`${group}/${kind}`);
      if (!k) return undefined;
      const version = k.versions.find((v) => v.name === versionName && v.served);
      if (!version) {
        return {
          status: 'not-served',
          release: k.release,
          served: k.versions.filter((v) => v.served).map((v) => `${group}/${v.name}`),
        };
      }
      const key = `${apiVersion}/${kind}`;
      let validate = compiled.get(key);
      if (!validate) {
        validate = ajv.compile(version.schema);
        compiled.set(key, validate);
      }
      return { status: 'served', release: k.release, file: k.file, validate, celRules: version.celRules };
    },
  };
}
