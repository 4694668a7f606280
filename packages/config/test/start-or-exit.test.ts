import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const entry = join(import.meta.dirname, 'fixtures', 'service-entry.ts');
const startEntry = join(import.meta.dirname, 'fixtures', 'start-entry.ts');

function run(env: Record<string, string>, file = entry) {
  return spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', file], {
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

describe('startOrExit', () => {
  it('returns what the start resolves to', () => {
    const result = run({}, startEntry);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('started on 4100\n');
  });

  it('exits 78 with one line when the start finds a setting wrong', () => {
    const result = run({ START: 'config' }, startEntry);
    expect(result.status).toBe(78);
    expect(result.stderr).toBe('fixture-service: SECRET is unset: set SECRET\n');
    expect(result.stdout).toBe('');
  });

  it('exits 1 with the message and stack on any other start failure', () => {
    const result = run({ START: 'crash' }, startEntry);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^fixture-service: failed to start: Error: the database is on fire\n\s+at /,
    );
    expect(result.stdout).toBe('');
  });
});
