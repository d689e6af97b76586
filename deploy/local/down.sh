#!/usr/bin/env bash
# Stops exactly what deploy/local/up.sh started, by the PIDs it recorded in RUN_DIR/pids:
# the server nodes first (SIGTERM; they drain: finish calls in flight, flush every buffer,
# release their node id), then the Redis nodes (SIGTERM; they fsync their append-only files),
# then SIGKILL for anything still running. Idempotent: without RUN_DIR/pids there is nothing to do.
#
#   deploy/local/down.sh
#
# Environment:
#   RUN_DIR              working directory (default deploy/local/run)
#   SERVER_STOP_TIMEOUT  seconds to wait for the nodes to drain (default 35; --shutdown-grace is 30s)
#   REDIS_STOP_TIMEOUT   seconds to wait for Redis (default 15)
set -euo pipefail

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd -- "$script_dir/../.." && pwd -P)"
run_dir="${RUN_DIR:-$root/deploy/local/run}"
server_timeout="${SERVER_STOP_TIMEOUT:-35}"
redis_timeout="${REDIS_STOP_TIMEOUT:-15}"
pids_file="$run_dir/pids"

if [[ ! -f "$pids_file" ]]; then
  echo "down.sh: nothing to stop ($pids_file does not exist)"
  exit 0
fi

# The command line of a live PID, or nothing.
cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# Classify by command line, which also guards against a PID reused by an unrelated process.
servers=()
redis=()
while read -r pid; do
  [[ "$pid" =~ ^[0-9]+$ ]] || continue
  cmd="$(cmdline "$pid")"
  if [[ -z "$cmd" ]]; then
    echo "down.sh: $pid already exited"
  elif [[ "$cmd" == *counter-server.jar* ]]; then
    servers+=("$pid")
  elif [[ "$cmd" == *redis-server* ]]; then
    redis+=("$pid")
  else
    echo "down.sh: $pid is not a process of this run (PID reused?); leaving it alone: $cmd"
  fi
done <"$pids_file"

# True while PID runs (a zombie whose parent has not reaped it yet counts as exited).
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1 || true)"
  [[ -n "$state" && "$state" != Z ]]
}

# Waits up to $1 seconds for every PID in the rest of the arguments to exit.
wait_gone() {
  local timeout="$1" pid deadline
  shift
  deadline=$((SECONDS + timeout))
  for pid in "$@"; do
    while alive "$pid"; do
      if ((SECONDS >= deadline)); then
        return 1
      fi
      sleep 0.2
    done
  done
}

stop() {
  local what="$1" timeout="$2" pid
  shift 2
  (($# > 0)) || return 0
  echo "down.sh: SIGTERM to $what $* (waiting up to ${timeout}s)"
  for pid in "$@"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  if wait_gone "$timeout" "$@"; then
    echo "down.sh: $what stopped"
  else
    for pid in "$@"; do
      if alive "$pid"; then
        echo "down.sh: $what $pid still running after ${timeout}s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
    wait_gone 5 "$@" || true
  fi
}

stop "server nodes" "$server_timeout" "${servers[@]}"
stop "redis nodes" "$redis_timeout" "${redis[@]}"

left=()
for pid in "${servers[@]}" "${redis[@]}"; do
  if alive "$pid"; then left+=("$pid"); fi
done
if ((${#left[@]} > 0)); then
  echo "down.sh: still running after SIGKILL: ${left[*]}; $pids_file kept" >&2
  exit 1
fi
rm -f "$pids_file"
echo "down.sh: done (logs and data stay in $run_dir)"
