#!/usr/bin/env bash
# Runs every benchmark of the repository and writes one report.
#
#   bash scripts/performance-testing/benchmark.sh            # all package benchmarks + federation
#   BENCH_ONLY=@intelgraph/database-sharding bash …/benchmark.sh   # one package (comma-separated list)
#   BENCH_LOAD=1 LOAD_URL=http://127.0.0.1:4000/graphql bash …/benchmark.sh   # + the local load runner
#
# For each workspace package with a `bench` script (`pnpm --filter <pkg> bench`), and the
# federation benchmark (@intelgraph/performance-testing), it runs the benchmark with a time
# limit (BENCH_TIMEOUT seconds each, default 900), keeps its output, and takes its last
# `BENCH {…}` line. A `bench` script that only delegates to another package's (`pnpm --filter X
# bench`) is not run twice. The report — a table per benchmark with figures and ratios, and an
# HTML page with latency and throughput charts that opens offline — goes to
# .reports/benchmarks/<timestamp>/report.{md,html}. Exit status 1 when a benchmark failed or
# printed no BENCH line.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
PNPM=(npx --yes "pnpm@${PNPM_VERSION}")
TIMEOUT=${BENCH_TIMEOUT:-900}
OUT="$ROOT/.reports/benchmarks/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"

# Packages with a bench script that is not a delegation to another package's bench.
mapfile -t PACKAGES < <(node -e '
  const fs = require("fs"), path = require("path");
  const dirs = ["gateway", "scripts/performance-testing"];
  for (const parent of ["packages", "subgraphs"]) {
    if (fs.existsSync(parent)) for (const d of fs.readdirSync(parent)) dirs.push(path.join(parent, d));
  }
  const only = (process.env.BENCH_ONLY || "").split(",").filter(Boolean);
  for (const d of dirs.sort()) {
    const f = path.join(d, "package.json");
    if (!fs.existsSync(f)) continue;
    const p = JSON.parse(fs.readFileSync(f, "utf8"));
    const bench = p.scripts && p.scripts.bench;
    if (!bench || /--filter\s+\S+\s+bench\b/.test(bench)) continue;
    if (only.length && !only.includes(p.name)) continue;
    console.log(p.name);
  }')

if [ "${#PACKAGES[@]}" -eq 0 ] && [ "${BENCH_LOAD:-0}" != 1 ]; then
  echo "benchmark: no package with a bench script${BENCH_ONLY:+ matching BENCH_ONLY=$BENCH_ONLY}" >&2
  exit 1
fi

SOURCES=()
run_one() { # source-name command...
  local source=$1; shift
  local safe=${source//[@\/]/_}
  local start=$(date +%s)
  echo "== $source: $*"
  timeout --kill-after=30 "$TIMEOUT" "$@" >"$OUT/$safe.log" 2>&1
  local code=$?
  [ "$code" = 124 ] && echo "benchmark: $source exceeded ${TIMEOUT}s" >>"$OUT/$safe.log"
  echo "$code $(($(date +%s) - start)) $source" >"$OUT/$safe.status"
  grep '^BENCH {' "$OUT/$safe.log" | tail -1 | cut -c1-200
  echo "   exit $code after $(($(date +%s) - start)) s; log: $OUT/$safe.log"
  SOURCES+=("$safe")
}

for pkg in "${PACKAGES[@]}"; do
  run_one "$pkg" "${PNPM[@]}" --filter "$pkg" bench
done
if [ "${BENCH_LOAD:-0}" = 1 ]; then
  run_one load "${PNPM[@]}" --filter @intelgraph/performance-testing load -- --scenario "${LOAD_SCENARIO:-baseline}" --url "${LOAD_URL:-http://127.0.0.1:4000/graphql}"
fi

echo
"${PNPM[@]}" --filter @intelgraph/performance-testing exec tsx --conditions=development report/cli.ts "$OUT" "${SOURCES[@]}"
