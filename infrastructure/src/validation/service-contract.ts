import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigSpec } from '@intelgraph/config';
import { DOCUMENTED_COMMON_VARIABLES, DOCUMENTED_HTTP_PATHS, type ServiceEntry } from './service-catalog.js';

/** What the manifests are checked against for one service. */
export interface ServiceContract {
  /**
   * `code`: the service's own `src/config.ts`; `subgraph-runtime`: a subgraph without its own
   * config yet, held to the variables every subgraph reads (`subgraphVariables` of
   * `@intelgraph/subgraph-runtime`); `documented`: neither exists, CONTRIBUTING.md's list.
   */
  readonly source: 'code' | 'subgraph-runtime' | 'documented';
  /** The variables the service reads, by name. */
  readonly variables: ReadonlyMap<string, VariableContract>;
  /** The HTTP paths the service serves (found in its source, or the documented ones). */
  readonly httpPaths: readonly string[];
}

export interface VariableContract {
  readonly env: string;
  /** True when the service refuses to start without it (required, no default). */
  readonly required: boolean;
  /** A secret: may only come from a Secret (secretKeyRef), never a literal or a ConfigMap. */
  readonly secret?: boolean;
  /** Parses a literal value as the service would; undefined when only the name is known. */
  readonly accepts?: (value: string) => boolean;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : filesUnder(p);
    return /\.(ts|js|mjs)$/.test(name) && !/\.test\.ts$/.test(name) ? [p] : [];
  });
}

/**
 * The source folders that make up a service: its own `src/` and the `src/` of every workspace
 * package it depends on (`@intelgraph/<name>` → `packages/<name>/src`), where shared runtimes
 * (the subgraph runtime serves `/health` for every subgraph) live.
 */
function serviceSourceDirs(repoRoot: string, serviceDir: string): string[] {
  const dirs = [path.join(repoRoot, serviceDir, 'src')];
  const pkgFile = path.join(repoRoot, serviceDir, 'package.json');
  if (existsSync(pkgFile)) {
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (dep.startsWith('@intelgraph/'))
        dirs.push(path.join(repoRoot, 'packages', dep.slice('@intelgraph/'.length), 'src'));
    }
  }
  return dirs;
}

/** The documented paths that appear as string literals in the service's source. */
function httpPathsInSource(srcDirs: readonly string[]): string[] {
  const text = srcDirs
    .flatMap(filesUnder)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  return DOCUMENTED_HTTP_PATHS.filter((p) => new RegExp(`['"\`]${p.replace('/', '\\/')}['"\`]`).test(text));
}

/**
 * Loads the contract of `service`: from its `configSpec` (exported by `<dir>/src/config.ts`)
 * when that file exists, else from CONTRIBUTING.md. A config.ts that exists but does not
 * export a `configSpec` is an error, not a fallback.
 */
export async function loadServiceContract(repoRoot: string, service: ServiceEntry): Promise<ServiceContract> {
  const configFile = path.join(repoRoot, service.dir, 'src', 'config.ts');
  const runtimeIndex = path.join(repoRoot, 'packages', 'subgraph-runtime', 'src', 'index.ts');
  let spec: ConfigSpec;
  let source: ServiceContract['source'];
  let httpPaths: readonly string[];
  if (existsSync(configFile)) {
    const mod = (await import(pathToFileURL(configFile).href)) as { configSpec?: ConfigSpec };
    if (!mod.configSpec || typeof mod.configSpec !== 'object') {
      throw new Error(`${configFile} does not export a configSpec (CONTRIBUTING.md, "Services")`);
    }
    spec = mod.configSpec;
    source = 'code';
    httpPaths = httpPathsInSource(serviceSourceDirs(repoRoot, service.dir));
  } else if (service.dir.startsWith('subgraphs/') && existsSync(runtimeIndex)) {
    const mod = (await import(pathToFileURL(runtimeIndex).href)) as {
      subgraphVariables: (port: number) => ConfigSpec;
    };
    spec = mod.subgraphVariables(service.port);
    source = 'subgraph-runtime';
    httpPaths = httpPathsInSource([path.dirname(runtimeIndex)]);
  } else {
    return {
      source: 'documented',
      variables: new Map(DOCUMENTED_COMMON_VARIABLES.map((env) => [env, { env, required: false }])),
      httpPaths: DOCUMENTED_HTTP_PATHS,
    };
  }
  const variables = new Map<string, VariableContract>();
  for (const v of Object.values(spec)) {
    variables.set(v.env, {
      env: v.env,
      required: v.required && v.defaultValue === undefined,
      secret: v.secret,
      accepts: (value) => v.schema.safeParse(value).success,
    });
  }
  return { source, variables, httpPaths };
}
