import path from 'node:path';
import { stringify } from 'yaml';
import { renderKustomization } from '../kustomize/render-kustomization.js';
import { validateResource } from '../validation/validate-resource.js';

/**
 * Prints an overlay as a multi-document YAML stream, validated — what `kustomize build` would
 * print for the subset used here:
 *   pnpm --filter @intelgraph/infrastructure render kubernetes/overlays/staging | kubectl apply -f -
 * (`kubectl apply -k` works as well.)
 */
const dir = process.argv.slice(2).find((a) => a !== '--');
if (!dir) {
  process.stderr.write('usage: render <kustomization dir>\n');
  process.exit(2);
}
const resources = renderKustomization(path.resolve(dir));
const problems = resources.flatMap(validateResource);
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(resources.map((r) => stringify(r, { lineWidth: 0 })).join('---\n'));
