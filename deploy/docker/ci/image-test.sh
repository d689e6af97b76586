#!/usr/bin/env bash
# The container image test, a step of .ci/run (after ./mvnw verify, whose jars it uses on the host):
#
#   1. builds base images from Debian packages (base-images.sh) and the image from
#      deploy/docker/Dockerfile with them (podman --runtime runc build --pull=never);
#   2. checks the image carries no development redis-server and that, with no Redis configured,
#      it exits at once with one line saying so;
#   3. starts it (read-only root, /tmp as tmpfs, as in deploy/k8s) against a redis-server on
#      loopback, checks grpc.health.v1 and an Increment through the CLI, and the metrics endpoint;
#   4. sends buffered increments, then SIGTERM, and checks the drain: a clean exit within the
#      grace period, the drain in the log, and every increment in Redis (read by a second run).
#
# Skipped, with one line saying why, where podman cannot run containers. Leaves no container or
# process behind (containers are removed by name, processes stopped by pid). Prints the image
# size and the time of each step.
#
#   deploy/docker/ci/image-test.sh          # from the repository root, after ./mvnw verify
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD

podman=(podman --runtime runc)
# This machine's default rlimits are refused by the runtime; give containers explicit ones.
limits=(--ulimit nofile=16384:16384 --ulimit nproc=32768:32768)
jdk_image=localhost/counter-ci/jdk17:bookworm
jre_image=localhost/counter-ci/jre17:bookworm
image=localhost/counter-server:ci
run_id="counter-ci-$$"
work=$(mktemp -d)
redis_pid=""
started=$SECONDS

skip() {
  echo "SKIPPED: container image test: $*"
  exit 0
}
step() {
  echo "[image-test +$((SECONDS - started))s] $*"
}
cleanup() {
  local name
  for name in "$run_id-serve" "$run_id-check" "$run_id-norredis" "$run_id-copy"; do
    "${podman[@]}" rm --force --time 0 "$name" >/dev/null 2>&1 || true
  done
  if [[ -n "$redis_pid" ]]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

for tool in podman runc mmdebstrap; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (apt-get install podman runc mmdebstrap)"
done
"${podman[@]}" info >/dev/null 2>&1 || skip "podman cannot run here: $("${podman[@]}" info 2>&1 | tail -1)"
for jar in server/target/counter-server.jar cli/target/counter-cli.jar; do
  [[ -f $jar ]] || { echo "image-test: $jar is missing; run ./mvnw verify (or package) first" >&2; exit 1; }
done
cli=(java -jar "$root/cli/target/counter-cli.jar")

free_port() {
  local port
  for port in $(shuf -i 20000-29999 -n 100); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "image-test: no free port found" >&2
  return 1
}

step "base images"
deploy/docker/ci/base-images.sh "$jdk_image" "$jre_image"
# Can this machine run a container at all? (Where it cannot, the test is skipped, not failed.)
if ! probe=$("${podman[@]}" run --rm --name "$run_id-check" --network host "${limits[@]}" "$jre_image" true 2>&1); then
  skip "podman cannot run a container here: $(tail -1 <<<"$probe")"
fi

step "podman build"
build_started=$SECONDS
# The build stage ends up as an untagged image; remove those this build makes (only those).
dangling_before=$("${podman[@]}" images --quiet --filter dangling=true | sort)
"${podman[@]}" build --pull=never --network host --ignorefile deploy/docker/Dockerfile.dockerignore \
  -f deploy/docker/Dockerfile --build-arg BUILD_IMAGE="$jdk_image" --build-arg RUNTIME_IMAGE="$jre_image" \
  -t "$image" . >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; echo "image-test: podman build failed" >&2; exit 1; }
new_dangling=$(comm -13 <(echo "$dangling_before") <("${podman[@]}" images --quiet --filter dangling=true | sort))
[[ -z $new_dangling ]] || "${podman[@]}" rmi --force $new_dangling >/dev/null 2>&1 || true
size=$("${podman[@]}" image inspect --format '{{.Size}}' "$image")
echo "image $image: $((size / 1000000)) MB, built in $((SECONDS - build_started)) s"

step "no development Redis in the image"
"${podman[@]}" create --name "$run_id-copy" "$image" >/dev/null
"${podman[@]}" cp "$run_id-copy:/app/counter-server.jar" "$work/image.jar"
"${podman[@]}" rm "$run_id-copy" >/dev/null
if (cd "$work" && jar tf image.jar) | grep -q '^redis-server-'; then
  echo "image-test: the image's jar bundles development redis-server binaries" >&2
  exit 1
fi
found=$("${podman[@]}" run --rm --user 0 "${limits[@]}" --entrypoint /usr/bin/find "$image" / -xdev -name 'redis-server*')
[[ -z $found ]] || { echo "image-test: redis-server in the image: $found" >&2; exit 1; }
set +e
"${podman[@]}" run --rm --name "$run_id-norredis" "${limits[@]}" "$image" >"$work/noredis.log" 2>&1
status=$?
set -e
if [[ $status -ne 2 ]] || ! grep -q '^counter-server: no Redis configured' "$work/noredis.log"; then
  cat "$work/noredis.log"
  echo "image-test: without a Redis the image should exit 2 with one line, exited $status" >&2
  exit 1
fi
grep '^counter-server:' "$work/noredis.log"

step "redis-server on loopback"
redis_bin=${REDIS_SERVER:-$(command -v redis-server || true)}
if [[ -z $redis_bin ]]; then
  # The binary the server jar bundles for development (this host's tests use it too).
  (cd "$work" && jar xf "$root/server/target/counter-server.jar" redis-server-6.2.6-v5-linux-amd64)
  redis_bin="$work/redis-server-6.2.6-v5-linux-amd64"
  chmod +x "$redis_bin"
fi
redis_port=$(free_port)
"$redis_bin" --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break
  sleep 0.1
done

serve() {  # container-name: starts the image against the loopback Redis, waits for SERVING
  grpc_port=$(free_port)
  metrics_port=$(free_port)
  "${podman[@]}" run -d --name "$1" --network host "${limits[@]}" --read-only --tmpfs /tmp \
    -e COUNTER_REDIS="redis://127.0.0.1:$redis_port" -e COUNTER_HOST=127.0.0.1 -e COUNTER_PORT="$grpc_port" \
    -e COUNTER_METRICS_HOST=127.0.0.1 -e COUNTER_METRICS_PORT="$metrics_port" -e COUNTER_SHUTDOWN_GRACE=20s \
    "$image" >/dev/null
  local deadline=$((SECONDS + 60))
  until [[ $("${cli[@]}" --target "127.0.0.1:$grpc_port" --deadline 1s health 2>/dev/null) == SERVING ]]; do
    if (( SECONDS > deadline )); then
      "${podman[@]}" logs "$1" | tail -20
      echo "image-test: the container did not report SERVING within 60 s" >&2
      exit 1
    fi
    sleep 0.5
  done
}

step "run: health, Increment, metrics"
serve "$run_id-serve"
name="image-test-$$"
value=$("${cli[@]}" --target "127.0.0.1:$grpc_port" inc "$name" 5)
[[ $value == 5 ]] || { echo "image-test: Increment returned '$value', expected 5" >&2; exit 1; }
"${cli[@]}" --target "127.0.0.1:$grpc_port" health counter.v1.CounterService
curl -fsS "http://127.0.0.1:$metrics_port/metrics" | grep -q '^counter_increments_accepted_total' \
  || { echo "image-test: no counter metrics on the metrics port" >&2; exit 1; }

step "SIGTERM under buffered load: the drain"
"${cli[@]}" --target "127.0.0.1:$grpc_port" bench --durability buffered --requests 3000 --concurrency 64 \
  --keys 1 --name-prefix "$name-drain-" --quiet --json >"$work/bench.json"
grep -q '"increments":3000' "$work/bench.json" || { cat "$work/bench.json"; exit 1; }
term_sent=$SECONDS
"${podman[@]}" kill --signal TERM "$run_id-serve" >/dev/null
exit_code=$(timeout 40 "${podman[@]}" wait "$run_id-serve")
drain_seconds=$((SECONDS - term_sent))
"${podman[@]}" logs "$run_id-serve" >"$work/serve.log" 2>&1
# After a clean drain the node exits 0 (1 when it had to cut calls or lose increments).
if [[ $exit_code != 0 ]] || ! grep -q 'draining: health NOT_SERVING' "$work/serve.log" \
    || ! grep -q 'every accepted increment is written' "$work/serve.log" || ! grep -q 'stopped$' "$work/serve.log"; then
  tail -20 "$work/serve.log"
  echo "image-test: no clean drain after SIGTERM (exit $exit_code)" >&2
  exit 1
fi
echo "drained and exited $exit_code within ${drain_seconds}s of SIGTERM"
"${podman[@]}" rm "$run_id-serve" >/dev/null

step "a second run reads what the first one wrote"
serve "$run_id-serve"
values=$("${cli[@]}" --target "127.0.0.1:$grpc_port" get "$name" "$name-drain-0")
expected=$(printf '%s\t5\n%s\t3000' "$name" "$name-drain-0")
[[ $values == "$expected" ]] || { echo "image-test: read back '$values', expected '$expected'" >&2; exit 1; }
"${podman[@]}" stop --time 25 "$run_id-serve" >/dev/null

step "passed"
echo "image-test: passed (image $((size / 1000000)) MB; $((SECONDS - started)) s in all)"
