import { defineConfig } from 'vitest/config';

/**
 * Three layers, one runner:
 *  - unit:        `*.test.ts`         needs no service, runs in parallel.
 *  - integration: `*.int.test.ts`     talks to real PostgreSQL (+ replica), Redis, RabbitMQ on loopback.
 *  - disruptive:  `*.disrupt.test.ts` stops, restarts or pauses shared services; runs last, one file at a time,
 *                 so it never pulls a service away from another test file.
 */
const ignore = ['**/node_modules/**', '**/dist/**', 'subgraphs/_template/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...ignore, '**/*.int.test.ts', '**/*.disrupt.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ignore,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'disruptive',
          include: ['**/*.disrupt.test.ts'],
          exclude: ignore,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
