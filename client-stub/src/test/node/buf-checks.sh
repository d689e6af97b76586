#!/usr/bin/env bash
# Contract checks with the buf CLI pinned in this folder's package.json (run `npm ci` first):
# lint and breaking-change check of the proto module, then buf curl against a RUNNING server.
# It starts nothing: point it at a server with COUNTER_TARGET=host:port, e.g.
#   COUNTER_TARGET=127.0.0.1:9090 bash buf-checks.sh
# One line per check; exits non-zero on the first failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROTO_DIR="$(cd "$HERE/../../../../proto" && pwd)"
BUF="$HERE/node_modules/.bin/buf"

fail() { echo "FAIL $*" >&2; exit 1; }
pass() { echo "ok   $*"; }

[[ -n "${COUNTER_TARGET:-}" ]] || fail "COUNTER_TARGET is not set (e.g. COUNTER_TARGET=127.0.0.1:9090); this script starts no server"
[[ -x "$BUF" ]] || fail "no buf at $BUF: run 'npm ci' in $HERE first"
command -v node >/dev/null || fail "node is needed to read buf curl's JSON output"

# The newest released image, unless COUNTER_RELEASED_IMAGE names one (absolute, or relative to proto/).
RELEASED="${COUNTER_RELEASED_IMAGE:-}"
if [[ -z "$RELEASED" ]]; then
  RELEASED="$(cd "$PROTO_DIR" && ls released/counter-v*.binpb 2>/dev/null | sort -V | tail -n 1 || true)"
fi
[[ -n "$RELEASED" ]] && (cd "$PROTO_DIR" && [[ -f "$RELEASED" ]]) \
  || fail "no released image ${RELEASED:-counter-v*.binpb} (looked in $PROTO_DIR/released)"

# Bounds each buf curl call (connection and whole call) so a hung server fails the check.
if command -v timeout >/dev/null; then LIMIT=(timeout 10); else LIMIT=(); fi
bufcurl() {
  "${LIMIT[@]}" "$BUF" curl --protocol grpc --http2-prior-knowledge --connect-timeout 5 "$@"
}

# json_field JSON FIELD: prints FIELD of the JSON object, or "<absent>" (proto3 JSON omits zero values).
json_field() {
  node -e 'const o = JSON.parse(process.argv[1]); const v = o[process.argv[2]];
           process.stdout.write(v === undefined ? "<absent>" : String(v));' "$1" "$2"
}

# 1. lint
out="$(cd "$PROTO_DIR" && "$BUF" lint 2>&1)" || fail "buf lint:"$'\n'"$out"
pass "buf lint ($PROTO_DIR)"

# 2. breaking change check against the last released image
out="$(cd "$PROTO_DIR" && "$BUF" breaking . --against "$RELEASED" 2>&1)" \
  || fail "buf breaking against $RELEASED:"$'\n'"$out"
pass "buf breaking against $RELEASED"

URL="http://$COUNTER_TARGET"

# 3. services listed through server reflection
out="$(bufcurl --list-services "$URL" 2>&1)" || fail "buf curl --list-services $URL:"$'\n'"$out"
for svc in counter.v1.CounterService grpc.health.v1.Health grpc.reflection.v1.ServerReflection; do
  grep -qx "$svc" <<<"$out" || fail "--list-services does not list $svc; got:"$'\n'"$out"
done
pass "buf curl --list-services lists counter.v1.CounterService, grpc.health.v1.Health, grpc.reflection.v1.ServerReflection"

# 4. Increment a fresh counter by 5 (int64 as a JSON string), then Get it
name="buf-checks/$(date +%s)-$$-$RANDOM"
out="$(bufcurl -d "{\"name\":\"$name\",\"delta\":\"5\"}" "$URL/counter.v1.CounterService/Increment" 2>&1)" \
  || fail "Increment:"$'\n'"$out"
value="$(json_field "$out" value)" || fail "Increment answered no JSON object:"$'\n'"$out"
[[ "$value" == "5" ]] || fail "Increment $name by 5 returned value $value, expected 5:"$'\n'"$out"
pass "buf curl Increment $name by \"5\" -> value \"5\""

out="$(bufcurl -d "{\"name\":\"$name\"}" "$URL/counter.v1.CounterService/Get" 2>&1)" || fail "Get:"$'\n'"$out"
value="$(json_field "$out" value)" || fail "Get answered no JSON object:"$'\n'"$out"
[[ "$value" == "5" ]] || fail "Get $name returned value $value, expected 5:"$'\n'"$out"
pass "buf curl Get $name -> value \"5\""

# 5. health
out="$(bufcurl -d '{}' "$URL/grpc.health.v1.Health/Check" 2>&1)" || fail "Health/Check:"$'\n'"$out"
status="$(json_field "$out" status)" || fail "Health/Check answered no JSON object:"$'\n'"$out"
[[ "$status" == "SERVING" ]] || fail "Health/Check status is $status, expected SERVING"
pass "buf curl grpc.health.v1.Health/Check -> SERVING"

echo "all buf checks passed against $COUNTER_TARGET"
