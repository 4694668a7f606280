// k6 load test of the IntelGraph gateway: baseline, stress, spike and soak scenarios with the
// platform's SLO thresholds. Scenarios, thresholds and the operation mix are shared with the
// local autocannon runner (local-runner/scenarios.json), so both measure the same thing.
//
//   k6 run -e LOAD_URL=https://api.staging.intelgraph.example/graphql -e SCENARIO=baseline load-test.js
//   k6 run -e LOAD_URL=... -e SCENARIO=all -e LOAD_TOKEN=<jwt> load-test.js
//
// Env: LOAD_URL (required), SCENARIO (baseline | stress | spike | soak | all; default baseline),
// LOAD_TOKEN (a bearer token; writes need the admin scope), STAGES (stages | localStages: the
// stage set of scenarios.json; default stages, the staging sizes — CI runs this file under the k6
// shim, k6-shim/, with localStages against `pnpm start`).
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Rate } from 'k6/metrics';

const config = JSON.parse(open('./local-runner/scenarios.json'));
const URL = __ENV.LOAD_URL;
const SCENARIO = __ENV.SCENARIO || 'baseline';
const STAGES = __ENV.STAGES || 'stages';
if (STAGES !== 'stages' && STAGES !== 'localStages')
  throw new Error(`STAGES must be stages or localStages, not '${STAGES}'`);
if (!URL)
  throw new Error(
    'set LOAD_URL to the GraphQL endpoint, e.g. -e LOAD_URL=https://api.staging.intelgraph.example/graphql',
  );

const selected = SCENARIO === 'all' ? Object.keys(config.scenarios) : [SCENARIO];
for (const name of selected) {
  if (!config.scenarios[name]) throw new Error(`unknown SCENARIO '${name}'`);
}

// Scenarios run one after another when SCENARIO=all: each starts when the previous ends.
const scenarios = {};
let offsetSeconds = 0;
const seconds = (d) => {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  return Number(m[1] || 0) * 3600 + Number(m[2] || 0) * 60 + Number(m[3] || 0);
};
for (const name of selected) {
  const s = config.scenarios[name];
  scenarios[name] = {
    executor: 'ramping-vus',
    startVUs: 0,
    stages: s[STAGES],
    gracefulRampDown: '30s',
    startTime: `${offsetSeconds}s`,
    tags: { scenario: name },
  };
  offsetSeconds += s[STAGES].reduce((sum, st) => sum + seconds(st.duration), 0) + 30;
}

const t = config.thresholds;
// GraphQL answers errors with HTTP 200: an error is any response without data or with `errors`.
const graphqlErrors = new Rate('graphql_errors');
const writesAcknowledged = new Counter('writes_acknowledged');

export const options = {
  scenarios,
  thresholds: {
    http_req_duration: [`p(95)<${t.p95Ms}`, `p(99)<${t.p99Ms}`],
    http_req_failed: [`rate<${t.errorRate}`],
    graphql_errors: [`rate<${t.errorRate}`],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

// The operation mix, in proportion to the weights.
const mix = [];
for (const op of config.operations) for (let i = 0; i < op.weight; i++) mix.push(op);

function fill(value, uid) {
  if (typeof value === 'string') return value.split('{{uid}}').join(uid);
  if (Array.isArray(value)) return value.map((v) => fill(v, uid));
  if (value && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value)) out[k] = fill(value[k], uid);
    return out;
  }
  return value;
}

function at(value, path) {
  return path.split('.').reduce((cur, key) => (cur == null ? undefined : cur[key]), value);
}

const headers = { 'content-type': 'application/json' };
if (__ENV.LOAD_TOKEN) headers.authorization = `Bearer ${__ENV.LOAD_TOKEN}`;

export function setup() {
  for (const op of config.setup || []) {
    http.post(URL, JSON.stringify({ query: op.query }), { headers, tags: { operation: op.name } });
  }
}

export default function () {
  const iteration = exec.scenario.iterationInTest;
  const op = mix[iteration % mix.length];
  const uid = `${exec.vu.idInTest}-${iteration}-${Date.now()}`;
  const res = http.post(URL, JSON.stringify({ query: op.query, variables: fill(op.variables || {}, uid) }), {
    headers,
    tags: { operation: op.name, kind: op.kind },
    timeout: '10s',
  });
  let body;
  try {
    body = res.json();
  } catch (_) {
    body = undefined;
  }
  const ok = res.status >= 200 && res.status < 300 && body?.data != null && !body.errors?.length;
  graphqlErrors.add(!ok, { operation: op.name });
  check(res, { 'answered with data and no errors': () => ok });
  if (ok && op.ackPath && typeof at(body.data, op.ackPath) === 'string') writesAcknowledged.add(1);
}
