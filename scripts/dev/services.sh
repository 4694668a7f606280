#!/usr/bin/env bash
# Makes sure the services the integration tests need are up on loopback:
#   PostgreSQL primary (PG_PORT, default 5432), a real streaming replica of it (PG_REPLICA_PORT,
#   default 5433), Redis (REDIS_PORT, 6379), RabbitMQ (AMQP_PORT, 5672) and Apache Kafka (KAFKA_PORT,
#   9092: a single-node KRaft broker run from Maven Central's jars, fetched once into a cache folder).
# Starts a service that is installed but stopped; installs a missing one on Debian as root;
# anywhere else fails naming what is missing and how to get it. Idempotent, and quick when all is up.
# Set INTELGRAPH_SKIP_SERVICES=1 to skip (when the TEST_* URLs point at services you run yourself).
set -uo pipefail

PG_PORT=${PG_PORT:-5432}
PG_REPLICA_PORT=${PG_REPLICA_PORT:-5433}
REDIS_PORT=${REDIS_PORT:-6379}
AMQP_PORT=${AMQP_PORT:-5672}
KAFKA_PORT=${KAFKA_PORT:-9092}
# A second listener whose advertised address is a fault proxy's (tests start the proxy on
# KAFKA_PROXY_PORT and point it at KAFKA_FAULTY_PORT), so every connection a client makes after
# bootstrap goes through the proxy too.
KAFKA_FAULTY_PORT=${KAFKA_FAULTY_PORT:-9094}
KAFKA_PROXY_PORT=${KAFKA_PROXY_PORT:-9095}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_VERSION=4.1.1 # also in scripts/dev/kafka/pom.xml
KAFKA_HOME=${INTELGRAPH_KAFKA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/intelgraph/kafka-$KAFKA_VERSION}
REPLICA_CLUSTER=${PG_REPLICA_CLUSTER:-replica}

say() { printf '[services] %s\n' "$*"; }
fail() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

if [ "${INTELGRAPH_SKIP_SERVICES:-0}" = "1" ]; then
  say "INTELGRAPH_SKIP_SERVICES=1: not provisioning; tests use the TEST_* URLs as given"
  exit 0
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do port_open "$1" && return 0; sleep 0.1; done
  return 1
}

is_debian_root() { [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

APT_UPDATED=0
apt_install() { # packages...
  is_debian_root || return 1
  if [ "$APT_UPDATED" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
    APT_UPDATED=1
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_at() { # port sql
  psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -XAtq -c "$2" 2>/dev/null
}

# ---------------------------------------------------------------- PostgreSQL primary
ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then
    say "postgres: primary up on $PG_PORT"
  else
    if ! command -v pg_lsclusters >/dev/null; then
      apt_install postgresql postgresql-client ||
        fail "PostgreSQL is not installed. Install PostgreSQL 15+ (Debian: apt-get install postgresql) and run it on 127.0.0.1:$PG_PORT with trust auth for local connections, or set INTELGRAPH_SKIP_SERVICES=1 and TEST_PG_URL."
    fi
    local cluster
    cluster=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1 " " $2; exit }')
    if [ -z "$cluster" ]; then
      local ver
      ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
      say "postgres: creating cluster $ver/main on $PG_PORT"
      pg_createcluster "$ver" main -p "$PG_PORT" >/dev/null || fail "pg_createcluster failed"
      cluster="$ver main"
    fi
    say "postgres: starting cluster $cluster"
    # shellcheck disable=SC2086
    pg_ctlcluster --skip-systemctl-redirect $cluster start || fail "could not start PostgreSQL cluster $cluster (see /var/log/postgresql/)"
    wait_port "$PG_PORT" 30 || fail "PostgreSQL did not open port $PG_PORT"
    for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.2; done
  fi
  psql_at "$PG_PORT" 'select 1' >/dev/null ||
    fail "cannot connect to PostgreSQL on 127.0.0.1:$PG_PORT as postgres without a password (trust auth is expected on loopback)"
}

# ---------------------------------------------------------------- PostgreSQL streaming replica
primary_cluster() { pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p { print $1 " " $2; exit }'; }

allow_replication() {
  local ver name hba
  read -r ver name <<<"$(primary_cluster)"
  hba="/etc/postgresql/$ver/$name/pg_hba.conf"
  [ -f "$hba" ] || fail "cannot find $hba to allow replication connections"
  if ! grep -Eq '^host\s+replication\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    say "postgres: allowing loopback replication connections in $hba"
    echo 'host replication all 127.0.0.1/32 trust' >>"$hba"
    psql_at "$PG_PORT" 'select pg_reload_conf()' >/dev/null
  fi
  # Keep enough WAL for a replica that was stopped for a while to catch up without a slot
  # (a slot would pin WAL forever if the replica is deleted).
  if [ "$(psql_at "$PG_PORT" 'show wal_keep_size')" = "0" ]; then
    say "postgres: setting wal_keep_size = 1GB on the primary"
    psql_at "$PG_PORT" "alter system set wal_keep_size = '1GB'" >/dev/null
    psql_at "$PG_PORT" 'select pg_reload_conf()' >/dev/null
  fi
}

replica_streaming() { # [seconds to wait]
  local i tries=$((${1:-0} * 5 + 1))
  for ((i = 0; i < tries; i++)); do
    [ "$(psql_at "$PG_REPLICA_PORT" "select pg_is_in_recovery() and exists (select 1 from pg_stat_wal_receiver where status = 'streaming')")" = "t" ] && return 0
    ((i + 1 < tries)) && sleep 0.2
  done
  return 1
}

build_replica() {
  local ver datadir
  ver=$(primary_cluster | awk '{print $1}')
  if pg_lsclusters -h | awk '{print $1 " " $2}' | grep -qx "$ver $REPLICA_CLUSTER"; then
    say "replica: dropping broken cluster $ver/$REPLICA_CLUSTER"
    pg_dropcluster --stop "$ver" "$REPLICA_CLUSTER" >/dev/null 2>&1 || true
  fi
  say "replica: creating cluster $ver/$REPLICA_CLUSTER on $PG_REPLICA_PORT with pg_basebackup -R"
  pg_createcluster "$ver" "$REPLICA_CLUSTER" -p "$PG_REPLICA_PORT" >/dev/null || fail "pg_createcluster failed"
  datadir="/var/lib/postgresql/$ver/$REPLICA_CLUSTER"
  # Same client authentication as the primary (trust on loopback), so tests connect alike to both.
  local pver pname
  read -r pver pname <<<"$(primary_cluster)"
  cp "/etc/postgresql/$pver/$pname/pg_hba.conf" "/etc/postgresql/$ver/$REPLICA_CLUSTER/pg_hba.conf"
  rm -rf "${datadir:?}"/*
  as_postgres pg_basebackup -h 127.0.0.1 -p "$PG_PORT" -U postgres -D "$datadir" -R -X stream -c fast ||
    fail "pg_basebackup from 127.0.0.1:$PG_PORT failed"
  pg_ctlcluster --skip-systemctl-redirect "$ver" "$REPLICA_CLUSTER" start || fail "could not start the replica cluster"
  wait_port "$PG_REPLICA_PORT" 30 || fail "the replica did not open port $PG_REPLICA_PORT"
}

ensure_replica() {
  # A replica whose replay a test paused (pg_wal_replay_pause) is resumed, not rebuilt.
  if [ "$(psql_at "$PG_REPLICA_PORT" 'select pg_is_wal_replay_paused()')" = "t" ]; then
    say "replica: resuming paused WAL replay"
    psql_at "$PG_REPLICA_PORT" 'select pg_wal_replay_resume()' >/dev/null
  fi
  if replica_streaming; then
    say "replica: streaming replica up on $PG_REPLICA_PORT"
    return
  fi
  command -v pg_basebackup >/dev/null && command -v pg_createcluster >/dev/null ||
    fail "the replica needs pg_createcluster and pg_basebackup (Debian: apt-get install postgresql-common postgresql-client), or set TEST_PG_REPLICA_URL to a replica you run and INTELGRAPH_SKIP_SERVICES=1"
  [ "$(id -u)" = 0 ] || fail "creating the replica cluster needs root (pg_createcluster); run as root or provide a replica on $PG_REPLICA_PORT"
  allow_replication
  local ver
  ver=$(primary_cluster | awk '{print $1}')
  if pg_lsclusters -h | awk '{print $1 " " $2}' | grep -qx "$ver $REPLICA_CLUSTER"; then
    if ! port_open "$PG_REPLICA_PORT"; then
      say "replica: starting stopped cluster $ver/$REPLICA_CLUSTER"
      pg_ctlcluster --skip-systemctl-redirect "$ver" "$REPLICA_CLUSTER" start >/dev/null 2>&1 || true
      wait_port "$PG_REPLICA_PORT" 30 || true
    fi
    if [ "$(psql_at "$PG_REPLICA_PORT" 'select pg_is_wal_replay_paused()')" = "t" ]; then
      psql_at "$PG_REPLICA_PORT" 'select pg_wal_replay_resume()' >/dev/null
    fi
    replica_streaming 10 && { say "replica: streaming replica up on $PG_REPLICA_PORT"; return; }
  fi
  build_replica
  replica_streaming 20 || fail "the replica on $PG_REPLICA_PORT is not streaming from $PG_PORT (see /var/log/postgresql/)"
  say "replica: streaming replica up on $PG_REPLICA_PORT"
}

# ---------------------------------------------------------------- Redis
ensure_redis() {
  if [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; then
    say "redis: up on $REDIS_PORT"
    return
  fi
  command -v redis-server >/dev/null || apt_install redis-server ||
    fail "Redis is not installed. Install Redis 7 (Debian: apt-get install redis-server) and run it on 127.0.0.1:$REDIS_PORT, or set INTELGRAPH_SKIP_SERVICES=1 and TEST_REDIS_URL."
  say "redis: starting on $REDIS_PORT"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  local logdir=/var/log/redis
  [ -w "$logdir" ] || logdir=/tmp
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir /tmp --logfile "$logdir/intelgraph-redis.log" >/dev/null || fail "redis-server did not start"
  for _ in $(seq 1 50); do [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ] && break; sleep 0.1; done
  [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ] || fail "Redis did not answer on $REDIS_PORT"
}

# ---------------------------------------------------------------- RabbitMQ
# The AMQP protocol header gets the broker's Connection.Start back at once from a healthy node.
amqp_answers() {
  timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$AMQP_PORT; printf 'AMQP\\x00\\x00\\x09\\x01' >&3; head -c 8 <&3" 2>/dev/null | grep -q .
}

# Every quorum queue holds about three files open (its Ra log segments), and Debian starts the
# node with the default soft limit of 1,024 files (927 for RabbitMQ's own use): at ~300 queues
# the node runs out, and from then on accepts TCP but never answers an AMQP handshake, its log
# silent. Tests declare and delete hundreds of queues, so the node runs with a higher limit.
RABBITMQ_NOFILE=${RABBITMQ_NOFILE:-65536}

rabbitmq_pid() { pgrep -f 'beam.smp.*-s rabbit boot' 2>/dev/null | head -1; }

rabbitmq_nofile() { # the running node's soft limit on open files
  local pid
  pid=$(rabbitmq_pid)
  [ -n "$pid" ] && awk '/^Max open files/ {print $4}' "/proc/$pid/limits" 2>/dev/null
}

start_rabbitmq_node() {
  (
    ulimit -n "$RABBITMQ_NOFILE" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
    if [ "$(id -u)" = 0 ] && [ -x /etc/init.d/rabbitmq-server ]; then
      /etc/init.d/rabbitmq-server start >/dev/null 2>&1 || true
    else
      rabbitmq-server -detached >/dev/null 2>&1 || true
    fi
  )
  timeout 90 rabbitmqctl await_startup >/dev/null 2>&1 || true
}

stop_rabbitmq_node() {
  timeout 60 rabbitmqctl stop >/dev/null 2>&1 || true
  pkill -9 -f 'beam.smp.*rabbit' 2>/dev/null || true
  for _ in $(seq 1 50); do port_open "$AMQP_PORT" || break; sleep 0.1; done
}

ensure_rabbitmq() {
  if port_open "$AMQP_PORT" && ! amqp_answers; then
    # Seen on this machine when the node ran out of files (see RABBITMQ_NOFILE): only a restart
    # brings it back.
    say "rabbitmq: port $AMQP_PORT open but the AMQP handshake gets no answer: restarting the node"
    pkill -9 -f 'beam.smp.*rabbit' 2>/dev/null || true
    for _ in $(seq 1 50); do port_open "$AMQP_PORT" || break; sleep 0.1; done
  fi
  if port_open "$AMQP_PORT"; then
    local nofile wanted
    nofile=$(rabbitmq_nofile)
    wanted=$(ulimit -Hn) # what this shell can give a node it starts, at most RABBITMQ_NOFILE
    [ "$wanted" = unlimited ] || [ "$wanted" -gt "$RABBITMQ_NOFILE" ] && wanted=$RABBITMQ_NOFILE
    if [ -n "$nofile" ] && [ "$nofile" != unlimited ] && [ "$nofile" -lt "$wanted" ]; then
      if [ "$(id -u)" = 0 ]; then
        say "rabbitmq: the node may open only $nofile files (quorum queues hold ~3 each): restarting it with ulimit -n $wanted"
        stop_rabbitmq_node
      else
        say "rabbitmq: WARNING the node may open only $nofile files; at ~300 quorum queues it stops answering. Restart it with 'ulimit -n $RABBITMQ_NOFILE' (e.g. in /etc/default/rabbitmq-server)."
      fi
    fi
  fi
  if port_open "$AMQP_PORT"; then
    say "rabbitmq: up on $AMQP_PORT"
    return
  fi
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server ||
    fail "RabbitMQ is not installed. Install RabbitMQ 3.10+ (Debian: apt-get install rabbitmq-server) and run it on 127.0.0.1:$AMQP_PORT with guest/guest, or set INTELGRAPH_SKIP_SERVICES=1 and TEST_AMQP_URL."
  say "rabbitmq: starting (open files limit $RABBITMQ_NOFILE)"
  start_rabbitmq_node
  wait_port "$AMQP_PORT" 60 || fail "RabbitMQ did not open port $AMQP_PORT (see /var/log/rabbitmq/)"
  amqp_answers || fail "RabbitMQ opened port $AMQP_PORT but does not answer the AMQP handshake (see /var/log/rabbitmq/)"
  say "rabbitmq: up on $AMQP_PORT (open files limit $(rabbitmq_nofile))"
}

# ---------------------------------------------------------------- Apache Kafka (KRaft)
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fetch_kafka() { # copies the broker's jars from Maven Central into $KAFKA_HOME/libs, once
  [ -f "$KAFKA_HOME/libs/kafka_2.13-$KAFKA_VERSION.jar" ] && return 0
  command -v java >/dev/null || apt_install openjdk-17-jre-headless ||
    fail "Kafka needs Java 17+ (Debian: apt-get install openjdk-17-jre-headless), or run a Kafka 4.x broker yourself and set INTELGRAPH_SKIP_SERVICES=1 and TEST_KAFKA_BROKERS."
  command -v mvn >/dev/null || apt_install maven ||
    fail "fetching Kafka needs Maven (Debian: apt-get install maven), or run a Kafka 4.x broker yourself and set INTELGRAPH_SKIP_SERVICES=1 and TEST_KAFKA_BROKERS."
  say "kafka: fetching Apache Kafka $KAFKA_VERSION from Maven Central into $KAFKA_HOME (once)"
  mkdir -p "$KAFKA_HOME" || fail "cannot create $KAFKA_HOME (set INTELGRAPH_KAFKA_HOME to a writable folder)"
  rm -rf "$KAFKA_HOME/libs.partial"
  mvn -q -B -f "$SCRIPT_DIR/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_HOME/libs.partial" -DincludeScope=runtime >"$KAFKA_HOME/mvn.log" 2>&1 ||
    fail "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (is Maven Central reachable?); see $KAFKA_HOME/mvn.log"
  mv "$KAFKA_HOME/libs.partial" "$KAFKA_HOME/libs"
}

KAFKA_JVM_OPTS=(-Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dkafka.logs.dir="$KAFKA_HOME/run"
  -Dlog4j2.configurationFile="$SCRIPT_DIR/kafka/log4j2.properties" -cp "$KAFKA_HOME/libs/*")
kafka_java() { java "${KAFKA_JVM_OPTS[@]}" "$@"; } # main-class args...

kafka_ready() { grep -q 'Kafka Server started' "$KAFKA_HOME/run/server.log" 2>/dev/null; }

kafka_partition_dirs() { find "$KAFKA_HOME/run/data" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l; }

ensure_kafka() {
  # Every test run leaves its uniquely named topics behind, and a broker with thousands of
  # partitions takes minutes to recover its log after a crash (the disruptive tests crash it).
  # When the whole set of services is provisioned, before any test runs, a broker this script
  # started whose log grew past KAFKA_MAX_PARTITION_DIRS is restarted on an empty log. Never
  # when one service is asked for: a disruptive test restarting the broker must find its log.
  local max=${KAFKA_MAX_PARTITION_DIRS:-1000} dirs
  dirs=$(kafka_partition_dirs)
  if [ "$KAFKA_MAY_RESET" = 1 ] && [ "$dirs" -gt "$max" ]; then
    if port_open "$KAFKA_PORT" && kill -0 "$(cat "$KAFKA_HOME/run/pid" 2>/dev/null)" 2>/dev/null; then
      say "kafka: the broker's log holds $dirs partitions (over $max): restarting it on an empty log"
      stop_kafka
    fi
    if ! port_open "$KAFKA_PORT"; then
      say "kafka: starting from an empty log (the old one held $dirs partitions)"
      rm -rf "$KAFKA_HOME/run/data"
    fi
  fi
  if port_open "$KAFKA_PORT"; then
    say "kafka: up on $KAFKA_PORT ($(cat "$KAFKA_HOME/run/version" 2>/dev/null || echo 'a broker this script did not start'))"
    return
  fi
  fetch_kafka
  local run="$KAFKA_HOME/run"
  mkdir -p "$run"
  cat >"$run/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,FAULTY://127.0.0.1:$KAFKA_FAULTY_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,FAULTY://127.0.0.1:$KAFKA_PROXY_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,FAULTY:PLAINTEXT
log.dirs=$run/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
log.retention.hours=24
PROPS
  if [ ! -f "$run/data/meta.properties" ]; then
    say "kafka: formatting a single-node KRaft log in $run/data"
    kafka_java kafka.tools.StorageTool format -t "$(kafka_java kafka.tools.StorageTool random-uuid | tail -1)" \
      -c "$run/server.properties" >"$run/format.log" 2>&1 || fail "formatting the Kafka log failed; see $run/format.log"
  fi
  say "kafka: starting Apache Kafka $KAFKA_VERSION (KRaft) on $KAFKA_PORT"
  : >"$run/server.log"
  # setsid: the broker outlives this script and the test run (like the other services).
  setsid java "${KAFKA_JVM_OPTS[@]}" kafka.Kafka "$run/server.properties" >"$run/stdout.log" 2>&1 </dev/null &
  local kafka_pid=$!
  echo "$kafka_pid" >"$run/pid"
  echo "Apache Kafka $KAFKA_VERSION, KRaft, pid $kafka_pid" >"$run/version"
  local i
  # A busy machine and a log to recover after a crash can take a JVM a while.
  for ((i = 0; i < 2400; i++)); do kafka_ready && port_open "$KAFKA_PORT" && break; sleep 0.1; done
  kafka_ready && port_open "$KAFKA_PORT" || fail "Kafka did not start on $KAFKA_PORT within 240 s; see $run/server.log"
  say "kafka: up on $KAFKA_PORT (Apache Kafka $KAFKA_VERSION)"
}

stop_kafka() { # the disruptive tests' broker crash: SIGKILL, so nothing is flushed or handed over
  local pid
  pid=$(cat "$KAFKA_HOME/run/pid" 2>/dev/null) || fail "no Kafka started by this script (no $KAFKA_HOME/run/pid)"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do port_open "$KAFKA_PORT" || break; sleep 0.1; done
  port_open "$KAFKA_PORT" && fail "Kafka (pid $pid) still listens on $KAFKA_PORT"
  say "kafka: stopped (pid $pid killed)"
}

# ---------------------------------------------------------------- promtool (Prometheus rule checks)
# Not a service: the tool infrastructure/'s integration tests use to check and unit-test the alert rules.
ensure_promtool() {
  if command -v promtool >/dev/null; then
    say "promtool: $(promtool --version 2>&1 | head -1 | awk '{print $3}') installed"
    return
  fi
  apt_install prometheus ||
    fail "promtool is not installed. Install Prometheus 2.x (Debian: apt-get install prometheus) so that promtool is on PATH (the infrastructure integration tests run it)."
  # The Debian package may start a Prometheus server; the tests need only the promtool binary.
  command -v promtool >/dev/null || fail "installing prometheus did not provide promtool"
  say "promtool: installed"
}

# ---------------------------------------------------------------- chromium (GraphiQL browser test)
# Not a service: the headless browser gateway/test/graphiql.int.test.ts drives with playwright-core.
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    say "chromium: $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}') installed"
    return
  fi
  apt_install chromium ||
    fail "chromium is not installed. Install it (Debian: apt-get install chromium) so that /usr/bin/chromium exists (the gateway's GraphiQL test drives it headless)."
  [ -x /usr/bin/chromium ] || fail "installing chromium did not provide /usr/bin/chromium"
  say "chromium: installed"
}

if [ "${1:-}" = "stop" ]; then # `services.sh stop kafka`: for disruptive tests
  [ "${2:-}" = "kafka" ] || fail "only 'stop kafka' is supported"
  stop_kafka
  exit 0
fi

start=$(date +%s%N)
say "node: $(node --version 2>/dev/null || echo 'not on PATH')"
# `services.sh kafka` (or any list of postgres replica redis rabbitmq kafka promtool chromium)
# provisions just those: the disruptive tests bring back the one service they stopped.
KAFKA_MAY_RESET=0
[ $# -eq 0 ] && KAFKA_MAY_RESET=1
for service in ${*:-postgres replica redis rabbitmq kafka promtool chromium}; do
  case "$service" in
  postgres | replica | redis | rabbitmq | kafka | promtool | chromium) "ensure_$service" ;;
  *) fail "unknown service '$service' (expected: postgres replica redis rabbitmq kafka promtool chromium)" ;;
  esac
done
say "all services ready in $((($(date +%s%N) - start) / 1000000)) ms"
