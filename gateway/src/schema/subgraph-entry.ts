import { join } from 'node:path';

// This module's own file: a .ts source under tsx or Vitest, a .js file in gateway/dist.
const runningFromSource = import.meta.url.endsWith('.ts');

/**
 * The entry module of `subgraphs/<folder>`: its TypeScript source (`src/index.ts`) when the
 * developer tools (`pnpm start`, `schema:*`) run from source, its build (`dist/index.js`) when
 * they run from gateway/dist — a build must not load sources it cannot run without a TypeScript
 * loader.
 */
export function subgraphEntry(root: string, folder: string): string {
  return runningFromSource
    ? join(root, 'subgraphs', folder, 'src', 'index.ts')
    : join(root, 'subgraphs', folder, 'dist', 'index.js');
}
