import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readmePath, services, withConfigDocs } from './config-docs.js';

describe('README configuration section', () => {
  const readme = readFileSync(readmePath(), 'utf8');

  it('is generated from every service config spec (run `pnpm docs:config` after changing one)', () => {
    expect(withConfigDocs(readme)).toBe(readme);
  });

  it('lists every variable each service reads, with its default', () => {
    for (const [, spec] of services) {
      for (const variable of Object.values(spec)) {
        expect(readme).toContain(`| \`${variable.env}\` |`);
      }
    }
  });
});
