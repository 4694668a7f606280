import { defineConfig } from 'vitest/config';

/**
 * Three layers, one runner:
 *  - unit:        `*.test.ts`         needs no service, runs in parallel.
 *  - integration: `*.int.test.ts`     talks to real PostgreSQL (+ replica), Redis, RabbitMQ on loopback.
 *  - disruptive:  `*.disrupt.test.ts` stops, restarts or pauses shared services; runs last, one file at a time,
 *                 so it never pulls a service away from another test file.
 *
 * Tests run the TypeScript sources. Every workspace package exports its source under the
 * `development` condition and its build (dist/) by default, so Vite resolves with `development`
 * first (whatever NODE_ENV is), and Vitest passes the same conditions to its worker processes.
 * Processes a test starts (`node --import tsx …`, a CLI under test) inherit NODE_OPTIONS and so
 * run the sources too; a test that means to run the build (gateway/test/cli.int.test.ts) clears it.
 */
const ignore = ['**/node_modules/**', '**/dist/**', 'subgraphs/_template/**'];
// Not 'module': with it, Vite resolves some dependencies (@opentelemetry/api) to ESM builds Node cannot load.
const conditions = ['development', 'node'];
const sources = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
} as const;
const env = {
  NODE_OPTIONS: [process.env.NODE_OPTIONS, '--conditions=development'].filter(Boolean).join(' '),
};

export default defineConfig({
  test: {
    projects: [
      {
        ...sources,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...ignore, '**/*.int.test.ts', '**/*.disrupt.test.ts'],
          env,
          // Generous: some unit tests render every overlay or compose supergraphs, and a busy
          // two-core machine stretches them past Vitest's 5 s default (no timing is asserted).
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        ...sources,
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ignore,
          env,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        ...sources,
        test: {
          name: 'disruptive',
          include: ['**/*.disrupt.test.ts'],
          exclude: ignore,
          env,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
