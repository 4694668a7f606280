import {
  defaultCrdsDir,
  type LoadedManifestValidator,
  loadManifestValidator,
} from '../src/validation/load-manifest-validator.js';
import { INFRA_DIR, REPO_ROOT } from './paths.js';

/**
 * The repository's manifest validator, over the upstream CRDs in INTELGRAPH_CRDS_DIR or
 * ../shared/crds (crd-registry.ts says which release files to put there when they are missing).
 * Loading reads the model types with the TypeScript compiler: a few seconds, once per file.
 */
export function loadTestValidator(): LoadedManifestValidator {
  return loadManifestValidator({ infraDir: INFRA_DIR, crdsDir: defaultCrdsDir(REPO_ROOT, process.env) });
}
