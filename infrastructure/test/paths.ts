import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** infrastructure/ */
export const INFRA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root. */
export const REPO_ROOT = path.resolve(INFRA_DIR, '..');
export const OVERLAYS = ['dev', 'staging', 'prod'] as const;
export const overlayDir = (name: string): string => path.join(INFRA_DIR, 'kubernetes', 'overlays', name);
