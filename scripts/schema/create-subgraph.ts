/**
 * `pnpm create:subgraph NAME [--port N] [--dir ROOT]`: scaffolds subgraphs/NAME from
 * subgraphs/_template (schema, migrations, resolvers on the subgraph runtime, config, entry point,
 * a passing test), replacing the placeholders, and its Kubernetes manifests
 * (infrastructure/kubernetes/base/services/NAME.yaml from infrastructure/kubernetes/templates/
 * subgraph.yaml, listed in the base kustomization), so that `pnpm schema:compose` can route the
 * cluster's gateway to it. NAME: lowercase letters, digits and dashes.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface ScaffoldOptions {
  readonly name: string;
  /** Repository root holding `subgraphs/` (default: this repository). */
  readonly root?: string;
  /** Default port (default: one above the highest port of the existing subgraphs, from 4004). */
  readonly port?: number;
  /**
   * Also scaffold its Kubernetes manifests into `<root>/infrastructure/kubernetes/base` (default:
   * when that folder exists, as in this repository).
   */
  readonly kubernetes?: boolean;
}

const repoRoot = resolve(import.meta.dirname, '..', '..');

function nextPort(root: string): number {
  let max = 4003;
  for (const folder of readdirSync(join(root, 'subgraphs'))) {
    const config = join(root, 'subgraphs', folder, 'src', 'config.ts');
    if (folder.startsWith('_') || !existsSync(config)) continue;
    const port = Number(/subgraphVariables\((\d+)\)/.exec(readFileSync(config, 'utf8'))?.[1]);
    if (port > max) max = port;
  }
  return max + 1;
}

/** The base kustomization with `services/<name>.yaml` listed after the last `services/` entry. */
export function withServiceResource(kustomization: string, name: string): string {
  const lines = kustomization.split('\n');
  const entry = `  - services/${name}.yaml`;
  if (lines.includes(entry)) return kustomization;
  const last = lines.reduce((at, line, i) => (/^ {2}- services\//.test(line) ? i : at), -1);
  if (last === -1)
    throw new Error('infrastructure/kubernetes/base/kustomization.yaml lists no services/ resource');
  lines.splice(last + 1, 0, entry);
  return lines.join('\n');
}

/** Creates the subgraph; returns its folder. Refuses a bad name or an existing folder or manifest. */
export function scaffoldSubgraph(options: ScaffoldOptions): string {
  const { name } = options;
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    throw new Error(
      `"${name}" is not a valid subgraph name: use lowercase letters, digits and dashes (e.g. "cases")`,
    );
  }
  const root = options.root ?? repoRoot;
  const target = join(root, 'subgraphs', name);
  if (existsSync(target)) throw new Error(`subgraphs/${name} already exists`);
  const baseDir = join(root, 'infrastructure', 'kubernetes', 'base');
  const manifest = join(baseDir, 'services', `${name}.yaml`);
  const kubernetes = options.kubernetes ?? existsSync(baseDir);
  if (kubernetes && existsSync(manifest)) {
    throw new Error(`infrastructure/kubernetes/base/services/${name}.yaml already exists`);
  }
  const words = name.split('-');
  const pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  const replacements: Record<string, string> = {
    __name__: name,
    __Name__: pascal,
    __camel__: pascal[0]!.toLowerCase() + pascal.slice(1),
    __snake__: words.join('_'),
    __port__: String(options.port ?? nextPort(root)),
  };
  const fill = (text: string) => text.replace(/__(name|Name|camel|snake|port)__/g, (m) => replacements[m]!);
  const template = join(repoRoot, 'subgraphs', '_template');
  const copy = (from: string, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from)) {
      if (entry === 'node_modules') continue;
      const src = join(from, entry);
      const dst = join(to, fill(entry));
      if (statSync(src).isDirectory()) copy(src, dst);
      else writeFileSync(dst, fill(readFileSync(src, 'utf8')));
    }
  };
  copy(template, target);
  // Part of `pnpm build`: the root build references every package's tsconfig.build.json.
  const build = join(root, 'tsconfig.build.json');
  if (existsSync(build)) {
    const config = JSON.parse(readFileSync(build, 'utf8')) as { references: { path: string }[] };
    config.references.push({ path: `./subgraphs/${name}/tsconfig.build.json` });
    writeFileSync(build, `${JSON.stringify(config, null, 2)}\n`);
  }
  if (!kubernetes) return target;
  writeFileSync(
    manifest,
    fill(readFileSync(join(repoRoot, 'infrastructure', 'kubernetes', 'templates', 'subgraph.yaml'), 'utf8')),
  );
  const kustomization = join(baseDir, 'kustomization.yaml');
  writeFileSync(kustomization, withServiceResource(readFileSync(kustomization, 'utf8'), name));
  return target;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string' }, dir: { type: 'string' } },
  });
  const name = positionals[0];
  if (!name) {
    console.error('usage: pnpm create:subgraph NAME [--port N]');
    process.exit(64);
  }
  try {
    const dir = scaffoldSubgraph({
      name,
      root: values.dir ? resolve(values.dir) : undefined,
      port: values.port ? Number(values.port) : undefined,
    });
    console.log(`created ${dir}
  and its Kubernetes manifests: infrastructure/kubernetes/base/services/${name}.yaml (listed in the base kustomization)
next:
  npx --yes pnpm@10.34.9 install               # link the new package
  npx vitest run ${dir}                        # its test passes as scaffolded
  npx --yes pnpm@10.34.9 schema:check          # it composes; lists what it adds (safe changes)
  npx --yes pnpm@10.34.9 schema:compose        # writes gateway/supergraph.graphql and the cluster copy
  npx --yes pnpm@10.34.9 start                 # serves it through the gateway with the others`);
  } catch (error) {
    console.error(`create:subgraph: ${(error as Error).message}`);
    process.exit(1);
  }
}
