import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSupergraphSource } from '../src/supergraph/file-supergraph-source.js';

/** Writes a directory the way the kubelet writes a ConfigMap volume (its AtomicWriter). */
function configMapVolume(): { dir: string; publish(content: string): void } {
  const dir = mkdtempSync(join(tmpdir(), 'configmap-'));
  let generation = 0;
  const publish = (content: string) => {
    const data = `..2026_11_22_${generation++}`;
    mkdirSync(join(dir, data));
    writeFileSync(join(dir, data, 'supergraph.graphql'), content);
    symlinkSync(data, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  publish('first');
  symlinkSync(join('..data', 'supergraph.graphql'), join(dir, 'supergraph.graphql'));
  return { dir, publish };
}

describe('FileSupergraphSource', () => {
  it('reloads a supergraph mounted from a Kubernetes ConfigMap when the kubelet swaps ..data', async () => {
    const volume = configMapVolume();
    // No polling: only the watcher can notice.
    const source = new FileSupergraphSource({ path: join(volume.dir, 'supergraph.graphql'), pollMs: 0 });
    const updates: string[] = [];
    const { supergraphSdl, cleanup } = await source.initialize({
      update: (sdl) => updates.push(sdl),
      healthCheck: async () => {},
      getDataSource: () => {
        throw new Error('not used');
      },
    });
    try {
      expect(supergraphSdl).toBe('first');
      volume.publish('second');
      const deadline = Date.now() + 5000;
      while (updates.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(updates).toEqual(['second']);
    } finally {
      await cleanup();
    }
  });
});
