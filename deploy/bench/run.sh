#!/usr/bin/env bash
# Side-by-side benchmark harness (see deploy/bench/README.md).
#
# On loopback, in one run: starts Redis, a baseline gRPC server that serves counter.v1 and answers
# at once without any work (benchmark code only), and the real counter server; runs the same
# `counter bench` scenarios against each, alternating, each for BENCH_DURATION after BENCH_WARMUP;
# reads Redis INFO commandstats around every counter run; measures the server's RSS after
# 1,000,000 distinct counters; and writes report.md, results.csv and chart.png under the output
# folder (default deploy/bench/results/<UTC timestamp>).
#
#   deploy/bench/run.sh [OUTPUT_DIR]
#   BENCH_DURATION=10s BENCH_WARMUP=3s BENCH_PRIME=5s BENCH_SCENARIOS="s1 s2-c64" deploy/bench/run.sh /tmp/quick
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$ROOT/deploy/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-5s}"
PRIME="${BENCH_PRIME:-8s}"
SCENARIOS="${BENCH_SCENARIOS:-s1 s2-c64 s2-c256 s3 s4 s5 s6 s6-stale w1 l1 l2 l3 sweep direct linger memory}"
REDIS_PORT="${BENCH_REDIS_PORT:-16390}"
BASELINE_PORT="${BENCH_BASELINE_PORT:-19191}"
COUNTER_PORT="${BENCH_COUNTER_PORT:-19190}"
LINGER_PORT="${BENCH_LINGER_PORT:-19192}"
METRICS_PORT="${BENCH_METRICS_PORT:-19464}"
# Both servers get the same JVM options: those of the shipped start script deploy/bin/counter-server
# (BENCH_SERVER_JAVA_OPTS replaces them for both, e.g. "-Xms1g -Xmx1g -XX:+UseG1GC" as in SPEC §7).
START_SCRIPT="$ROOT/deploy/bin/counter-server"
export COUNTER_JAVA_OPTS="${BENCH_SERVER_JAVA_OPTS:-$("$START_SCRIPT" --print-jvm-options)}"
read -r -a SERVER_JVM <<< "$COUNTER_JAVA_OPTS"
CLIENT_JVM=(-Xms512m -Xmx512m -XX:+UseG1GC)

mkdir -p "$OUT/bin" "$OUT/logs"
OUT="$(cd "$OUT" && pwd)"
cd "$ROOT"
if [[ ! -f server/target/counter-server.jar || ! -f cli/target/counter-cli.jar ]]; then
  echo "building (./mvnw -q -DskipTests package)..."
  ./mvnw -q -DskipTests package
fi
# Copies: a rebuild during the run must not pull classes from under the running JVMs.
cp server/target/counter-server.jar cli/target/counter-cli.jar "$OUT/bin/"
SERVER_JAR="$OUT/bin/counter-server.jar"
CLI=(java "${CLIENT_JVM[@]}" -jar "$OUT/bin/counter-cli.jar")

if command -v redis-server >/dev/null; then
  REDIS_SERVER="$(command -v redis-server)"
else
  REDIS_SERVER="$OUT/bin/redis-server"
  # The development redis-server bundled in the server jar (linux x86-64); `jar` comes with the JDK.
  (cd "$OUT/bin" && jar xf "$SERVER_JAR" redis-server-6.2.6-v5-linux-amd64)
  mv "$OUT/bin/redis-server-6.2.6-v5-linux-amd64" "$REDIS_SERVER"
  chmod +x "$REDIS_SERVER"
fi

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$REDIS_PORT" "$BASELINE_PORT" "$COUNTER_PORT" "$LINGER_PORT" "$METRICS_PORT"; do
  if in_use "$port"; then echo "port $port is in use; set BENCH_*_PORT" >&2; exit 1; fi
done

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

REDIS_URI="redis://127.0.0.1:$REDIS_PORT"
setsid "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  > "$OUT/logs/redis.log" 2>&1 &
PIDS+=($!)
setsid java "${SERVER_JVM[@]}" -jar "$OUT/bin/counter-cli.jar" baseline-server --port "$BASELINE_PORT" \
  > "$OUT/logs/baseline.log" 2>&1 &
BASELINE_PID=$!
PIDS+=($BASELINE_PID)
# shellcheck disable=SC2086 # BENCH_COUNTER_ARGS is a space-separated list of server options on purpose
COUNTER_SERVER_JAR="$SERVER_JAR" setsid "$START_SCRIPT" --port "$COUNTER_PORT" --redis "$REDIS_URI" --host 127.0.0.1 \
  --metrics-port "$METRICS_PORT" ${BENCH_COUNTER_ARGS:-} \
  > "$OUT/logs/counter.log" 2>&1 &
COUNTER_PID=$!
PIDS+=($COUNTER_PID)

BASELINE="127.0.0.1:$BASELINE_PORT"
COUNTER="127.0.0.1:$COUNTER_PORT"
await_ready() { # TARGET
  for _ in $(seq 1 60); do
    if "${CLI[@]}" --target "$1" --deadline 2s get __ready__ >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "$1 did not become ready; see $OUT/logs" >&2
  exit 1
}
for target in "$BASELINE" "$COUNTER"; do await_ready "$target"; done

# JIT warm-up of both servers (and of the client code) before anything is measured: every code
# path the scenarios use (unary increments and reads, batches, buffered) runs for PRIME each, so
# no scenario is measured against half-compiled code. Not recorded. Without it the first runs of
# the counter server read 40% low: its C2 compiler was still busy with new code during them.
for target in "$BASELINE" "$COUNTER"; do
  echo "warming up $target (3 x $PRIME)" >&2
  for load in "--concurrency 64 --keys 1000 --distribution uniform --get-ratio 0.5" \
      "--concurrency 16 --keys 10000 --distribution uniform --batch-size 100" \
      "--concurrency 256 --keys 1 --distribution hot --durability buffered"; do
    # shellcheck disable=SC2086 # $load is a list of options on purpose
    "${CLI[@]}" --target "$target" --deadline 10s bench --max-error-ratio 1 --quiet --duration "$PRIME" --warmup 0s $load >/dev/null
  done
done

RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
bench() { # LABEL TARGET ARGS...
  local label="$1" target="$2"; shift 2
  echo "  $label: $*" >&2
  "${CLI[@]}" --target "$target" --deadline 10s bench --max-error-ratio 1 --quiet --json --label "$label" \
    --duration "$DURATION" --warmup "$WARMUP" "$@" >> "$RESULTS"
}
# Baseline, then the counter server (process COUNTER_PID_NOW) under identical load; both report the
# CPU their process spent per call in the measured window (/proc), the counter run also Redis's.
pair_with() { # COUNTER_TARGET SCENARIO ARGS...
  local counter="$1" scenario="$2"; shift 2
  bench "$scenario/baseline" "$BASELINE" --server-pid "$BASELINE_PID" "$@"
  bench "$scenario/counter" "$counter" --server-pid "$COUNTER_PID_NOW" --verify --redis-stats "$REDIS_URI" "$@"
}
pair() { COUNTER_PID_NOW=$COUNTER_PID pair_with "$COUNTER" "$@"; }
# Increments that never reach a limit of 10^12: the cost of deciding, compared with s2-c256.
NEVER=1000000000000

RSS_MIB=-1
for scenario in $SCENARIOS; do
  echo "scenario $scenario" >&2
  case "$scenario" in
    s1) pair s1 --concurrency 1 --keys 1 --distribution hot ;;
    s2-c64) pair s2-c64 --concurrency 64 --keys 1 --distribution hot ;;
    s2-c256) pair s2-c256 --concurrency 256 --channels 4 --keys 1 --distribution hot ;;
    s3) pair s3 --concurrency 256 --keys 10000 --distribution uniform ;;
    s4) pair s4 --concurrency 256 --keys 1 --distribution hot --durability buffered ;;
    s5) pair s5 --concurrency 16 --keys 10000 --distribution uniform --batch-size 100 ;;
    s6) pair s6 --concurrency 64 --keys 1000 --distribution uniform --get-ratio 0.9 ;;
    s6-stale) pair s6-stale --concurrency 64 --keys 1000 --distribution uniform --get-ratio 0.9 --max-staleness 1s ;;
    w1) pair w1 --concurrency 256 --channels 4 --keys 1 --distribution hot --window 1m ;;
    l1) pair l1 --concurrency 256 --channels 4 --keys 1 --distribution hot --window 10s --limit "$NEVER" ;;
    l2) pair l2 --concurrency 256 --channels 4 --keys 1 --distribution hot --window 1s --limit "$NEVER" --sliding 60 ;;
    l3) pair l3 --concurrency 256 --channels 4 --keys 10 --distribution uniform --window 1s --limit 1000 ;;
    sweep) for c in 4 16 1024; do pair "sweep-c$c" --concurrency "$c" --keys 1 --distribution hot; done ;;
    direct)
      # What users would do instead: one INCRBY per increment, straight to Redis with Lettuce.
      bench "direct/redis-incrby" "$COUNTER" --mode redis-incrby --redis-stats "$REDIS_URI" --verify \
        --concurrency 256 --keys 1 --distribution hot ;;
    linger)
      # The trade-off of --flush-linger: a second counter server that waits up to 2 ms between
      # flushes under load carries bigger batches (fewer Redis commands per increment) at the
      # cost of latency, so fewer calls/s from a closed-loop client with 256 calls in flight.
      # shellcheck disable=SC2086
      COUNTER_SERVER_JAR="$SERVER_JAR" setsid "$START_SCRIPT" --port "$LINGER_PORT" --redis "$REDIS_URI" \
        --host 127.0.0.1 --metrics-port 0 --flush-linger 2ms ${BENCH_COUNTER_ARGS:-} > "$OUT/logs/counter-linger.log" 2>&1 &
      LINGER_PID=$!
      PIDS+=($LINGER_PID)
      await_ready "127.0.0.1:$LINGER_PORT"
      "${CLI[@]}" --target "127.0.0.1:$LINGER_PORT" --deadline 10s bench --max-error-ratio 1 --quiet --duration "$PRIME" --warmup 0s \
        --concurrency 256 --keys 1 --distribution hot >/dev/null
      COUNTER_PID_NOW=$LINGER_PID pair_with "127.0.0.1:$LINGER_PORT" s2-c256-linger-2ms --concurrency 256 --channels 4 \
        --keys 1 --distribution hot
      kill "$LINGER_PID" ;;
    memory)
      # 1,000,000 distinct counters (10,000 batches of 100, each counter once), then the RSS.
      "${CLI[@]}" --target "$COUNTER" --deadline 30s bench --max-error-ratio 1 --quiet --json --label "memory/counter" \
        --requests 10000 --warmup 0s --concurrency 16 --batch-size 100 --keys 1000000 --distribution sequential \
        --verify >> "$RESULTS"
      RSS_MIB=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$COUNTER_PID/status") ;;
    *) echo "unknown scenario $scenario" >&2; exit 1 ;;
  esac
done

{
  echo "## Environment"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ); CPUs: $(nproc); memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "- java: $(java -version 2>&1 | head -1)"
  echo "- redis-server: $("$REDIS_SERVER" --version | cut -d' ' -f3)"
  echo "- servers: ${SERVER_JVM[*]}; client: ${CLIENT_JVM[*]}; client, servers and Redis share the same CPUs"
  echo "- each run: $WARMUP warm-up, then $DURATION measured; baseline and counter alternate per scenario"
  echo "- counter server RSS after 1,000,000 distinct counters: ${RSS_MIB} MiB"
} > "$OUT/environment.md"
"${CLI[@]}" bench-report --in "$RESULTS" --out "$OUT" --rss-mib "$RSS_MIB" --notes "$OUT/environment.md" \
  --title "counter vs no-op gRPC baseline ($(date -u +%Y-%m-%d))"
echo "report: $OUT/report.md"
