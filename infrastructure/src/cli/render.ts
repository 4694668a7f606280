import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { renderKustomizationWithOrigins } from '../kustomize/render-kustomization.js';
import { defaultCrdsDir, loadManifestValidator } from '../validation/load-manifest-validator.js';

/**
 * Prints an overlay as a multi-document YAML stream, validated — what `kustomize build` would
 * print for the subset used here:
 *   pnpm --filter @intelgraph/infrastructure render kubernetes/overlays/staging | kubectl apply -f -
 * (`kubectl apply -k` works as well.) The operators' CRDs are read from INTELGRAPH_CRDS_DIR,
 * else ../shared/crds beside the repository.
 */
const dir = process.argv.slice(2).find((a) => a !== '--');
if (!dir) {
  process.stderr.write('usage: render <kustomization dir>\n');
  process.exit(2);
}
const infraDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const validator = loadManifestValidator({
  infraDir,
  crdsDir: defaultCrdsDir(path.dirname(infraDir), process.env),
});
const { resources, originOf } = renderKustomizationWithOrigins(path.resolve(dir));
const problems = resources.flatMap((r) => validator.validate(r, originOf(r)));
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(resources.map((r) => stringify(r, { lineWidth: 0 })).join('---\n'));
