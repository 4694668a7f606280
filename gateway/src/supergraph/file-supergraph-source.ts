import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { SupergraphSdlHook } from '@apollo/gateway';

type SupergraphSdlHookOptions = Parameters<SupergraphSdlHook>[0];

import { IntelGraphError } from '@intelgraph/errors';
import type { SupergraphEvent, SupergraphSource } from './supergraph-source.js';

export interface FileSupergraphSourceOptions {
  readonly path: string;
  /** Re-read interval, besides fs.watch which misses changes on some filesystems (default 10 000 ms; 0: none). */
  readonly pollMs?: number;
  /** Rewrites the SDL before the gateway loads it (e.g. `acceptSecurityFeatures`). */
  readonly transform?: (sdl: string) => string;
}

/**
 * A supergraph read from a file and hot-reloaded: fs.watch on the directory (editors and
 * `mv` replace the file, which a watch on the file itself would lose) plus a poll. A file that
 * fails to load keeps the last good supergraph in force.
 */
export class FileSupergraphSource implements SupergraphSource {
  readonly #path: string;
  readonly #pollMs: number;
  readonly #transform: (sdl: string) => string;
  readonly #listeners: ((event: SupergraphEvent) => void)[] = [];
  #update: SupergraphSdlHookOptions['update'] | undefined;
  #current: string | undefined;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;

  constructor(options: FileSupergraphSourceOptions) {
    this.#path = options.path;
    this.#pollMs = options.pollMs ?? 10_000;
    this.#transform = options.transform ?? ((sdl) => sdl);
  }

  onEvent(listener: (event: SupergraphEvent) => void): void {
    this.#listeners.push(listener);
  }

  async initialize({
    update,
  }: SupergraphSdlHookOptions): Promise<{ supergraphSdl: string; cleanup: () => Promise<void> }> {
    let sdl: string;
    try {
      sdl = await readFile(this.#path, 'utf8');
    } catch (error) {
      throw new IntelGraphError('SUPERGRAPH_INVALID', `Cannot read supergraph file ${this.#path}`, {
        input: this.#path,
        cause: error,
      });
    }
    this.#update = update;
    this.#current = sdl;
    this.#watch();
    if (this.#pollMs > 0) {
      this.#timer = setInterval(() => void this.refresh(), this.#pollMs);
      this.#timer.unref();
    }
    queueMicrotask(() => this.#emit({ kind: 'loaded', sdl }));
    return { supergraphSdl: this.#transform(sdl), cleanup: async () => this.#cleanup() };
  }

  refresh(): Promise<void> {
    this.#reading ??= this.#reload().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #reload(): Promise<void> {
    if (!this.#update) return;
    let sdl: string;
    try {
      sdl = await readFile(this.#path, 'utf8');
    } catch (error) {
      this.#emit({
        kind: 'failed',
        error: new IntelGraphError('SUPERGRAPH_INVALID', 'Cannot read supergraph file', { cause: error }),
      });
      return;
    }
    if (sdl === this.#current) return;
    try {
      this.#update(this.#transform(sdl));
      this.#current = sdl;
      this.#emit({ kind: 'loaded', sdl });
    } catch (error) {
      // The gateway swaps only after the new supergraph built; on failure the old one stays.
      this.#current = sdl;
      this.#emit({
        kind: 'failed',
        error: new IntelGraphError(
          'SUPERGRAPH_INVALID',
          `Supergraph file ${this.#path} rejected: ${(error as Error).message}`,
          {
            cause: error,
          },
        ),
      });
    }
  }

  #watch(): void {
    const file = basename(this.#path);
    try {
      this.#watcher = watch(dirname(this.#path), (_event, name) => {
        // A Kubernetes ConfigMap volume updates by swapping its `..data` symlink (the file itself
        // is a link through it), so the file's own name never shows up in that event.
        if (name !== null && name !== file && name !== '..data') return;
        clearTimeout(this.#debounce);
        this.#debounce = setTimeout(() => void this.refresh(), 50);
      });
      this.#watcher.on('error', () => this.#watcher?.close());
    } catch {
      // No inotify: the poll still picks changes up.
    }
  }

  #emit(event: SupergraphEvent): void {
    for (const l of this.#listeners) l(event);
  }

  #cleanup(): void {
    this.#watcher?.close();
    clearInterval(this.#timer);
    clearTimeout(this.#debounce);
    this.#update = undefined;
  }
}
