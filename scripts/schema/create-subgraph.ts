/**
 * `pnpm create:subgraph NAME [--port N] [--dir ROOT]`: scaffolds subgraphs/NAME from
 * subgraphs/_template (schema, migrations, resolvers on the subgraph runtime, config, entry point,
 * a passing test), replacing the placeholders. NAME: lowercase letters, digits and dashes.
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

/** Creates the subgraph; returns its folder. Refuses a bad name or an existing folder. */
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
next:
  npx --yes pnpm@10.34.9 install               # link the new package
  npx vitest run ${dir}                        # its test passes as scaffolded
  pnpm schema:check && pnpm schema:compose     # compose it into the supergraph`);
  } catch (error) {
    console.error(`create:subgraph: ${(error as Error).message}`);
    process.exit(1);
  }
}
