#!/usr/bin/env bash
# Chaos tests against the real services on this machine: the platform (every subgraph and the
# gateway) is started on free loopback ports with each dependency behind a fault-injecting TCP
# proxy, and each fault is applied during a bounded load run:
#   replica-stopped, primary-blackholed, redis-stopped, rabbitmq-restarted, subgraph-killed,
#   subgraph-latency.
# For each it reports the errors clients saw, the time to recover after the fault is removed,
# the writes acknowledged versus found afterwards (data lost must be zero), and the events
# appended to the outbox versus delivered to Kafka and to RabbitMQ (lost must be zero;
# duplicates are counted: delivery is at-least-once).
#
#   bash scripts/performance-testing/chaos-test.sh                        # every fault
#   bash scripts/performance-testing/chaos-test.sh --fault primary-blackholed --duration 40
#   CHAOS_REAL=1 bash scripts/performance-testing/chaos-test.sh           # stop the real replica/Redis/RabbitMQ
#
# Exit status 1 when a write or an event was lost or the platform did not recover within the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${INTELGRAPH_SKIP_SERVICES:-0}" != 1 ]; then bash scripts/dev/services.sh; fi
PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
exec npx --yes "pnpm@${PNPM_VERSION}" --filter @intelgraph/performance-testing exec tsx --conditions=development chaos/chaos-runner.ts "$@"
