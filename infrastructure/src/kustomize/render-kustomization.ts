import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadYamlDocuments } from '../manifests/load-yaml-documents.js';
import { isResource, type Resource, resourceId } from '../manifests/resource.js';
import type { ResourceOrigin } from '../manifests/resource-origin.js';
import { configMapHash, generateConfigMap, renameConfigMapReferences } from './config-map-generator.js';
import { applyJsonPatch, isJsonPatch } from './json-patch.js';
import { matchesTarget, type PatchTarget, parseTarget } from './select-target.js';
import { type ImageOverride, setImages } from './set-images.js';
import { strategicMerge } from './strategic-merge.js';

/*
 * A renderer for the subset of Kustomize this repository uses (kustomize is a Go binary, not
 * always installed; where kubectl is, test/kustomize.test.ts checks both agree). It follows kustomize's semantics for that subset and is
 * stricter everywhere else: an unknown kustomization field, a patch or image override that
 * matches nothing, or two resources with the same id fail the render instead of being ignored.
 *
 * Order, as kustomize: resources (depth first, in listed order) → configMapGenerator → patches
 * (in listed order) → images → the generated ConfigMaps' content-hash suffixes, and references
 * to them renamed (config-map-generator.ts).
 */

const SUPPORTED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'configMapGenerator',
  'patches',
  'images',
]);

interface PatchEntry {
  readonly path?: string;
  readonly patch?: string;
  readonly target?: unknown;
}

function readKustomization(dir: string): Record<string, unknown> {
  const file = path.join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${dir}: no kustomization.yaml`);
  const [doc, ...rest] = loadYamlDocuments(file);
  if (rest.length > 0 || typeof doc !== 'object' || doc === null) {
    throw new Error(`${file}: must hold exactly one map`);
  }
  const k = doc as Record<string, unknown>;
  if (k.kind !== 'Kustomization') throw new Error(`${file}: kind must be Kustomization`);
  for (const field of Object.keys(k)) {
    if (!SUPPORTED_FIELDS.has(field)) throw new Error(`${file}: unsupported kustomization field '${field}'`);
  }
  return k;
}

/** Each rendered object's origin, carried along as patches replace the objects. */
type Origins = Map<Resource, ResourceOrigin>;

function loadResourceFile(file: string, origins: Origins): Resource[] {
  return loadYamlDocuments(file).map((doc, i) => {
    if (!isResource(doc)) throw new Error(`${file}: document ${i + 1} is not a Kubernetes object`);
    origins.set(doc, { file, document: i + 1, patchedBy: [] });
    return doc;
  });
}

function carryOrigin(origins: Origins, from: Resource, to: Resource, where: string): Resource {
  const o = origins.get(from);
  if (o) origins.set(to, { ...o, patchedBy: [...o.patchedBy, where] });
  return to;
}

function applyPatch(
  resources: Resource[],
  entry: PatchEntry,
  dir: string,
  where: string,
  origins: Origins,
): Resource[] {
  if ((entry.path === undefined) === (entry.patch === undefined)) {
    throw new Error(`${where}: a patch needs exactly one of 'path' or 'patch'`);
  }
  const docs =
    entry.path !== undefined
      ? loadYamlDocuments(path.join(dir, entry.path))
      : [parse(entry.patch!) as unknown];
  const target: PatchTarget | undefined =
    entry.target === undefined ? undefined : parseTarget(entry.target, where);
  let out = resources;
  for (const doc of docs) {
    if (isJsonPatch(doc)) {
      if (!target) throw new Error(`${where}: a JSON 6902 patch needs a target`);
      let hits = 0;
      out = out.map((r) => {
        if (!matchesTarget(r, target)) return r;
        hits++;
        try {
          return carryOrigin(origins, r, applyJsonPatch(r, doc), where);
        } catch (error) {
          throw new Error(`${where}: on ${resourceId(r)}: ${(error as Error).message}`);
        }
      });
      if (hits === 0) throw new Error(`${where}: target ${JSON.stringify(target)} matches no resource`);
      continue;
    }
    if (!isResource(doc))
      throw new Error(`${where}: a strategic merge patch must name apiVersion, kind, metadata.name`);
    const selector: PatchTarget = target ?? {
      kind: doc.kind,
      name: doc.metadata.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      ...(doc.metadata.namespace === undefined ? {} : { namespace: doc.metadata.namespace }),
    };
    let hits = 0;
    out = out.map((r) => {
      if (!matchesTarget(r, selector) || (target === undefined && r.apiVersion !== doc.apiVersion)) return r;
      hits++;
      return carryOrigin(origins, r, strategicMerge(r, doc), where);
    });
    if (hits === 0)
      throw new Error(`${where}: strategic merge patch for ${resourceId(doc)} matches no resource`);
  }
  return out;
}

/** Renders the kustomization in `dir` (a directory holding kustomization.yaml). */
export function renderKustomization(dir: string): Resource[] {
  return renderKustomizationWithOrigins(dir).resources;
}

export interface RenderedKustomization {
  readonly resources: Resource[];
  /** Where an object of `resources` comes from (file, document, patches). */
  originOf(r: Resource): ResourceOrigin | undefined;
}

/** As renderKustomization, and where each object comes from, for error messages. */
export function renderKustomizationWithOrigins(dir: string): RenderedKustomization {
  const origins: Origins = new Map();
  const resources = render(dir, origins);
  return { resources, originOf: (r) => origins.get(r) };
}

function render(dir: string, origins: Origins): Resource[] {
  const k = readKustomization(dir);
  const file = path.join(dir, 'kustomization.yaml');
  let resources: Resource[] = [];
  for (const entry of (k.resources as string[] | undefined) ?? []) {
    const p = path.resolve(dir, entry);
    if (!existsSync(p)) throw new Error(`${file}: resource '${entry}' does not exist`);
    resources.push(...(statSync(p).isDirectory() ? render(p, origins) : loadResourceFile(p, origins)));
  }
  const generated = ((k.configMapGenerator as Record<string, unknown>[] | undefined) ?? []).map(
    (entry, i) => {
      const g = generateConfigMap(entry, dir, `${file}: configMapGenerator[${i}]`);
      origins.set(g.configMap, { file, document: 1, patchedBy: [] });
      return g;
    },
  );
  // Unsuffixed until the end, so that patches of this kustomization can name them.
  resources.push(...generated.map((g) => g.configMap));
  const seen = new Set<string>();
  for (const r of resources) {
    const id = `${r.apiVersion.split('/')[0]}/${r.kind} ${r.metadata.namespace ?? ''}/${r.metadata.name}`;
    if (seen.has(id)) throw new Error(`${file}: resource ${resourceId(r)} is defined twice`);
    seen.add(id);
  }
  ((k.patches as PatchEntry[] | undefined) ?? []).forEach((entry, i) => {
    resources = applyPatch(resources, entry, dir, `${file}: patches[${i}]`, origins);
  });
  for (const image of (k.images as ImageOverride[] | undefined) ?? []) {
    if (setImages(resources, image) === 0)
      throw new Error(`${file}: image '${image.name}' matches no container`);
  }
  for (const { configMap, hashSuffix } of generated) {
    if (!hashSuffix) continue;
    const { name, namespace } = configMap.metadata;
    const cm = resources.find(
      (r) => r.kind === 'ConfigMap' && r.metadata.name === name && r.metadata.namespace === namespace,
    )!;
    const hashed = `${name}-${configMapHash(cm.data as Record<string, string>)}`;
    cm.metadata = { ...cm.metadata, name: hashed };
    renameConfigMapReferences(resources, namespace, name, hashed);
  }
  return resources;
}
