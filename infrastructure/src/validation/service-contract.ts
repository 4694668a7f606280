import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigSpec } from '@intelgraph/config';
import { DOCUMENTED_COMMON_VARIABLES, DOCUMENTED_HTTP_PATHS, type ServiceEntry } from './service-catalog.js';

/** What the manifests are checked against for one service. */
export interface ServiceContract {
  /** `code`: read from the service's `src/config.ts`; `documented`: CONTRIBUTING.md's list. */
  readonly source: 'code' | 'documented';
  /** The variables the service reads, by name. */
  readonly variables: ReadonlyMap<string, VariableContract>;
  /** The HTTP paths the service serves (found in its source, or the documented ones). */
  readonly httpPaths: readonly string[];
}

export interface VariableContract {
  readonly env: string;
  /** True when the service refuses to start without it (required, no default). */
  readonly required: boolean;
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

/** The documented paths that appear as string literals in the service's source. */
function httpPathsInSource(srcDir: string): string[] {
  const text = filesUnder(srcDir)
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
  if (!existsSync(configFile)) {
    return {
      source: 'documented',
      variables: new Map(DOCUMENTED_COMMON_VARIABLES.map((env) => [env, { env, required: false }])),
      httpPaths: DOCUMENTED_HTTP_PATHS,
    };
  }
  const mod = (await import(pathToFileURL(configFile).href)) as { configSpec?: ConfigSpec };
  if (!mod.configSpec || typeof mod.configSpec !== 'object') {
    throw new Error(`${configFile} does not export a configSpec (CONTRIBUTING.md, "Services")`);
  }
  const variables = new Map<string, VariableContract>();
  for (const v of Object.values(mod.configSpec)) {
    variables.set(v.env, {
      env: v.env,
      required: v.required && v.defaultValue === undefined,
      accepts: (value) => v.schema.safeParse(value).success,
    });
  }
  return { source: 'code', variables, httpPaths: httpPathsInSource(path.join(repoRoot, service.dir, 'src')) };
}
