import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const entry = join(import.meta.dirname, 'fixtures', 'service-entry.ts');

function run(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('loadConfigOrExit', () => {
  it('starts with good settings', () => {
    const result = run({ PORT: '4100' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('started on 4100');
  });

  it('exits non-zero naming the malformed variable, its value and the expected form', () => {
    const result = run({ PORT: '99999', REDIS_URL: 'localhost:6379' });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain("PORT='99999'");
    expect(result.stderr).toContain('a TCP port from 0 to 65535');
    expect(result.stderr).toContain("REDIS_URL='localhost:6379'");
    expect(result.stdout).not.toContain('started');
  });
});
