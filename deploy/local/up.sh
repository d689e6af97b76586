#!/usr/bin/env bash
# Starts, on loopback, a Redis Cluster (3 masters + 3 replicas) and NODES counter-server nodes,
# and records exactly what it started so deploy/local/down.sh can stop only that.
#
#   deploy/local/up.sh [NODES]          # default 3 server nodes
#
# Environment:
#   REDIS_BASE_PORT   first Redis port (default 7000; uses P..P+5 and P+10000..P+10005)
#   SERVER_BASE_PORT  first gRPC port (default 9090; nodes use consecutive ports)
#   METRICS_BASE_PORT first Prometheus port (default 9464; nodes use consecutive ports)
#   RUN_DIR           working directory (default deploy/local/run)
#   REDIS_SERVER      redis-server binary (default: PATH, else the one bundled in the jar)
#   SERVER_JAVA_OPTS  JVM options of each server node (default: deploy/bin/counter-server's)
#   READY_TIMEOUT     seconds to wait for every node to report SERVING (default 60)
#
# Every run starts a fresh cluster: RUN_DIR's previous Redis data, node data and logs are removed
# (only after checking that nothing recorded in RUN_DIR/pids is still running).
set -euo pipefail

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd -- "$script_dir/../.." && pwd -P)"

nodes="${1:-3}"
redis_base_port="${REDIS_BASE_PORT:-7000}"
server_base_port="${SERVER_BASE_PORT:-9090}"
metrics_base_port="${METRICS_BASE_PORT:-9464}"
run_dir="${RUN_DIR:-$root/deploy/local/run}"
ready_timeout="${READY_TIMEOUT:-60}"
server_java_opts="${SERVER_JAVA_OPTS:-$("$root/deploy/bin/counter-server" --print-jvm-options)}"

die() { echo "up.sh: $*" >&2; exit 1; }

[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || die "NODES must be a positive integer, got '$nodes'"
[[ "$redis_base_port" =~ ^[0-9]+$ ]] || die "REDIS_BASE_PORT must be a number"
[[ "$server_base_port" =~ ^[0-9]+$ ]] || die "SERVER_BASE_PORT must be a number"
[[ "$metrics_base_port" =~ ^[0-9]+$ ]] || die "METRICS_BASE_PORT must be a number"
command -v java >/dev/null || die "java (17 or newer) is not on PATH"

server_jar_src="$root/server/target/counter-server.jar"
cli_jar_src="$root/cli/target/counter-cli.jar"
if [[ ! -f "$server_jar_src" || ! -f "$cli_jar_src" ]]; then
  echo "build first: ./mvnw -q -DskipTests package" >&2
  exit 1
fi

mkdir -p "$run_dir"
run_dir="$(cd -- "$run_dir" && pwd -P)"
pids_file="$run_dir/pids"

# True when PID is alive and is one of the processes this script starts (guards against reuse).
ours() {
  local pid="$1" cmd
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *counter-server.jar* || "$cmd" == *redis-server* ]]
}

if [[ -f "$pids_file" ]]; then
  while read -r pid; do
    if ours "$pid"; then
      die "$pids_file lists running process $pid; run deploy/local/down.sh first (RUN_DIR=$run_dir)"
    fi
  done <"$pids_file"
  echo "up.sh: removing stale $pids_file (none of its processes is running)"
  rm -f "$pids_file"
fi

port_free() {
  # Nothing accepts a connection on 127.0.0.1:$1 (bash's /dev/tcp; loopback only).
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
for ((i = 0; i < nodes; i++)); do
  port=$((server_base_port + i))
  port_free "$port" || die "port $port is in use; set SERVER_BASE_PORT"
  port_free "$((metrics_base_port + i))" || die "port $((metrics_base_port + i)) is in use; set METRICS_BASE_PORT"
done

# A fresh run: clear what a previous run left (its processes are gone, checked above).
rm -rf "$run_dir/redis" "$run_dir"/data-* "$run_dir"/node-*.log "$run_dir/summary.txt" \
  "$run_dir/local-cluster.log" "$run_dir"/.pid-*

# Run copies, so a rebuild of target/ never changes the jar under a running node.
for pair in "$server_jar_src:$run_dir/counter-server.jar" "$cli_jar_src:$run_dir/counter-cli.jar"; do
  src="${pair%%:*}" dst="${pair#*:}"
  cp -f "$src" "$dst.tmp"
  cmp -s "$src" "$dst.tmp" || die "$src changed while being copied (a build running?); try again"
  mv -f "$dst.tmp" "$dst"
done
server_jar="$run_dir/counter-server.jar"
cli_jar="$run_dir/counter-cli.jar"

server_pids=()
redis_pids=()
ok=0

cleanup() {
  local status=$?
  if [[ $ok == 1 ]]; then
    return
  fi
  trap - EXIT INT TERM
  echo "up.sh: failed; stopping what this run started" >&2
  # Redis nodes LocalClusterMain may have started before failing or being interrupted.
  if [[ ${#redis_pids[@]} == 0 ]]; then
    for f in "$run_dir"/redis/node-*/redis.pid; do
      if [[ -f "$f" ]]; then redis_pids+=("$(cat "$f")"); fi
    done
  fi
  local pid
  for pid in "${server_pids[@]}"; do
    ours "$pid" && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${server_pids[@]}"; do
    for ((t = 0; t < 350; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  for pid in "${redis_pids[@]}"; do
    ours "$pid" && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${redis_pids[@]}"; do
    for ((t = 0; t < 100; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  for pid in "${server_pids[@]}" "${redis_pids[@]}"; do
    if ours "$pid"; then
      echo "up.sh: $pid did not stop; SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$pids_file"
  exit $((status == 0 ? 1 : status))
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. Redis Cluster: LocalClusterMain starts and forms it, writes redis.pids and seeds, and exits.
echo "up.sh: starting Redis Cluster (3 masters + 3 replicas) on 127.0.0.1:$redis_base_port..$((redis_base_port + 5))"
cluster_args=(--dir "$run_dir/redis" --masters 3 --replicas 1 --base-port "$redis_base_port")
if [[ -n "${REDIS_SERVER:-}" ]]; then
  cluster_args+=(--redis-server "$REDIS_SERVER")
fi
if ! java -cp "$server_jar" dev.counter.server.devredis.LocalClusterMain "${cluster_args[@]}" \
    >"$run_dir/local-cluster.log" 2>&1 </dev/null; then
  cat "$run_dir/local-cluster.log" >&2
  die "could not start the Redis Cluster (log: $run_dir/local-cluster.log)"
fi
mapfile -t redis_pids <"$run_dir/redis/redis.pids"
seeds="$(head -n 1 "$run_dir/redis/seeds")"
[[ -n "$seeds" && ${#redis_pids[@]} -gt 0 ]] || die "LocalClusterMain wrote no seeds or pids"

# 2. Server nodes, each in its own session (setsid) so a Ctrl-C in this terminal cannot reach it;
# the wrapper shell records its own PID and execs java, so the recorded PID is the JVM's.
targets=()
logs=()
read -r -a java_opts <<<"$server_java_opts"
for ((i = 0; i < nodes; i++)); do
  port=$((server_base_port + i))
  log="$run_dir/node-$port.log"
  pid_tmp="$run_dir/.pid-$port"
  mkdir -p "$run_dir/data-$port"
  (
    cd "$run_dir"
    exec setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pid_tmp" \
      java "${java_opts[@]}" -jar "$server_jar" \
      --host 127.0.0.1 --port "$port" --metrics-port "$((metrics_base_port + i))" \
      --redis-cluster "$seeds" --data-dir "$run_dir/data-$port" \
      >"$log" 2>&1 </dev/null
  ) &
  for ((t = 0; t < 100; t++)); do [[ -s "$pid_tmp" ]] && break; sleep 0.05; done
  [[ -s "$pid_tmp" ]] || die "node on port $port did not start (log: $log)"
  server_pids+=("$(cat "$pid_tmp")")
  rm -f "$pid_tmp"
  targets+=("127.0.0.1:$port")
  logs+=("$log")
  echo "up.sh: node 127.0.0.1:$port pid ${server_pids[-1]} log $log"
done

# Record the PIDs now, so down.sh can stop them even if the wait below is interrupted.
printf '%s\n' "${server_pids[@]}" "${redis_pids[@]}" >"$pids_file"

# 3. Wait (bounded) until every node answers a read, which it does only while SERVING.
deadline=$((SECONDS + ready_timeout))
for ((i = 0; i < nodes; i++)); do
  pid="${server_pids[$i]}" target="${targets[$i]}"
  until java -jar "$cli_jar" --target "$target" --deadline 2s get __up_check__ >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "${logs[$i]}" >&2 || true
      die "node $target (pid $pid) exited; log: ${logs[$i]}"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "${logs[$i]}" >&2 || true
      die "node $target not SERVING within ${ready_timeout}s; log: ${logs[$i]}"
    fi
    sleep 1
  done
  echo "up.sh: $target SERVING"
done

target_list="$(IFS=,; echo "${targets[*]}")"
down_cmd="RUN_DIR=$run_dir $root/deploy/local/down.sh"
{
  echo "redis seeds:    $seeds"
  echo "redis pids:     ${redis_pids[*]}"
  echo "redis logs:     $run_dir/redis/node-<port>/redis.log"
  echo "server targets: $target_list"
  echo "server pids:    ${server_pids[*]}"
  echo "server logs:    ${logs[*]}"
  echo "metrics:        http://127.0.0.1:$metrics_base_port/metrics .. port $((metrics_base_port + nodes - 1))"
  echo "pids file:      $pids_file"
  echo "bench:          java -jar $cli_jar --target $target_list bench --duration 10s --concurrency 64 --verify"
  echo "stop:           $down_cmd"
} >"$run_dir/summary.txt"

ok=1
trap - EXIT INT TERM
cat "$run_dir/summary.txt"
