import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { authHeaders } from './auth-headers.js';
import { benchLine, formatLoadReport } from './format-report.js';
import { classifyResponse } from './graphql-body.js';
import { assertLoopbackUrl } from './loopback.js';
import { checkThresholds, type LoadResult, runLoad } from './run-load.js';
import { loadScenarioConfig, type ScenarioConfig } from './scenario-config.js';

const USAGE = `Local load runner (autocannon): the k6 scenarios and thresholds, against a loopback URL.

Usage: pnpm --filter @intelgraph/performance-testing load -- [options]
  --url URL          GraphQL endpoint (env LOAD_URL; default http://127.0.0.1:4000/graphql)
  --scenario NAME    baseline | stress | spike | soak | all (default baseline)
  --scale N          multiply every stage's duration (default 1; 0.2 for a quick check)
  --config FILE      scenarios, thresholds and operations (default local-runner/scenarios.json)
Auth: LOAD_TOKEN, or LOAD_JWT_SECRET (+ LOAD_TENANT, LOAD_JWT_ISSUER, LOAD_JWT_AUDIENCE) to mint one.
Exit status 1 when a threshold fails (as k6 does).`;

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs the setup mutations once (e.g. register the load-test tenant), tolerating "already done". */
async function runSetup(url: string, headers: Record<string, string>, config: ScenarioConfig): Promise<void> {
  for (const op of config.setup ?? []) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: op.query }),
      signal: AbortSignal.timeout(10_000),
    });
    const outcome = classifyResponse(res.status, await res.text());
    const tolerated = outcome.code !== undefined && (op.tolerate ?? []).includes(outcome.code);
    process.stdout.write(
      `setup ${op.name}: ${outcome.ok ? 'ok' : tolerated ? `ok (${outcome.code})` : `failed (${outcome.code})`}\n`,
    );
  }
}

async function main(): Promise<void> {
  // `pnpm … load -- --url X` passes the `--` through; drop it so the options are parsed.
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: {
      url: { type: 'string' },
      scenario: { type: 'string', default: 'baseline' },
      scale: { type: 'string', default: '1' },
      config: { type: 'string', default: path.join(here, 'scenarios.json') },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const url = assertLoopbackUrl(
    values.url ?? process.env.LOAD_URL ?? 'http://127.0.0.1:4000/graphql',
  ).toString();
  const config = loadScenarioConfig(values.config!);
  const names = values.scenario === 'all' ? Object.keys(config.scenarios) : [values.scenario!];
  for (const name of names) if (!config.scenarios[name]) throw new Error(`unknown scenario '${name}'`);
  const scale = Number(values.scale);
  if (!(scale > 0 && scale <= 10)) throw new Error(`--scale must be in (0, 10], got ${values.scale}`);
  const headers = authHeaders(process.env);
  await runSetup(url, headers, config);
  const results: Record<string, LoadResult> = {};
  let failed = false;
  for (const name of names) {
    const scenario = config.scenarios[name]!;
    process.stdout.write(`\n== ${name}: ${scenario.description}\n`);
    const result = await runLoad({
      url,
      stages: scenario.localStages,
      operations: config.operations,
      headers,
      durationScale: scale,
    });
    const checks = checkThresholds(result, config.thresholds);
    failed ||= checks.some((c) => !c.ok);
    results[name] = result;
    process.stdout.write(`${formatLoadReport(name, result, checks)}\n`);
  }
  process.stdout.write(`\nthresholds: ${failed ? 'FAILED' : 'passed'}\n`);
  process.stdout.write(`${benchLine(results, config.thresholds)}\n`);
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`load-runner: ${(error as Error).message}\n`);
  process.exitCode = 2;
});
