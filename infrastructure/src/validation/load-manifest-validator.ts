import path from 'node:path';
import { loadCrdRegistry } from './crd-registry.js';
import { createManifestValidator, type ManifestValidator } from './manifest-validator.js';
import { OPERATORS_COMPONENT, type OperatorRelease, readOperatorReleases } from './operator-releases.js';
import { FALLBACK_SCHEMAS } from './redis-cluster-schema.js';
import { createStrictFieldChecker } from './strict-fields.js';

export interface LoadedManifestValidator extends ManifestValidator {
  /** The operator releases the component pins. */
  readonly releases: readonly OperatorRelease[];
  /** Those whose CRD folder was not found under `crdsDir`. */
  readonly missing: readonly OperatorRelease[];
}

/**
 * The manifest validator for this repository: the operator releases pinned in
 * `<infraDir>/kubernetes/components/operators`, their CRDs from `crdsDir` (laid out as
 * ../shared/crds), and the model packages. Reading the model types takes a few seconds.
 */
export function loadManifestValidator(options: {
  readonly infraDir: string;
  readonly crdsDir: string;
}): LoadedManifestValidator {
  const releases = readOperatorReleases(path.join(options.infraDir, OPERATORS_COMPONENT));
  const crds = loadCrdRegistry(options.crdsDir, releases);
  const validator = createManifestValidator({
    crds,
    crdsDir: options.crdsDir,
    strictFields: createStrictFieldChecker(),
    fallbackSchemas: FALLBACK_SCHEMAS,
    displayRoot: path.dirname(options.infraDir),
  });
  return { ...validator, releases, missing: crds.missing };
}

/** `INTELGRAPH_CRDS_DIR`, else `../shared/crds` beside the repository. */
export function defaultCrdsDir(repoRoot: string, env: NodeJS.ProcessEnv): string {
  return env.INTELGRAPH_CRDS_DIR ?? path.resolve(repoRoot, '..', 'shared', 'crds');
}
