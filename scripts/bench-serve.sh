#!/usr/bin/env bash
# `make bench-serve`: drive `galley serve` (release build) with wrk and print the figures
# issue 14 asks for, as a Markdown table for docs/performance.md:
#   GET /v1/recipe (kubeflow target), 16 connections
#   POST /v1/bundle?deployer=helm (kubeflow recipe), 8 connections
#   the server's peak resident memory under both loads
# Environment: GALLEY (default target/release/galley), SECONDS_PER_LOAD (default 10),
# THREADS (wrk threads, default 2), SERVE_ARGS (more `galley serve` flags, split on spaces:
# `--bundle-cache 0` measures every bundle built anew).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GALLEY=${GALLEY:-$ROOT/target/release/galley}
DURATION=${SECONDS_PER_LOAD:-10}
THREADS=${THREADS:-2}
"$ROOT/scripts/install-debs.sh" wrk
command -v wrk >/dev/null || { echo "bench-serve: wrk is not installed" >&2; exit 2; }
[[ -x $GALLEY ]] || { echo "bench-serve: $GALLEY not built (cargo build --release)" >&2; exit 2; }

work=$(mktemp -d)
server=
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

criteria=(--service eks --accelerator h100 --intent training --os ubuntu --platform kubeflow)
"$GALLEY" recipe "${criteria[@]}" --format json >"$work/recipe.json"
# shellcheck disable=SC2086 # SERVE_ARGS is a list of flags
"$GALLEY" serve --listen 127.0.0.1:0 --rate-limit 0 --max-bundles 64 ${SERVE_ARGS:-} \
  >"$work/out" 2>/dev/null &
server=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/out" 2>/dev/null && break
  sleep 0.1
done
base=$(sed -n 's/^listening on //p' "$work/out")
[[ -n $base ]] || { echo "bench-serve: the server did not start" >&2; exit 1; }

cat >"$work/bundle.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/recipe.json", "rb")
wrk.body = f:read("*a")
f:close()
LUA

# wrk's summary: requests/s, and the p50/p99 of its latency distribution.
figures() {
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$1")
  p50=$(awk '$1 == "50%" {print $2}' "$1")
  p99=$(awk '$1 == "99%" {print $2}' "$1")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$1")
  printf '%s | %s | %s | %s' "$rps" "$p50" "$p99" "${non2xx:-0}"
}

wrk -t"$THREADS" -c16 -d"${DURATION}s" --latency \
  "$base/v1/recipe?service=eks&accelerator=h100&intent=training&os=ubuntu&platform=kubeflow" \
  >"$work/recipe.txt"
wrk -t"$THREADS" -c8 -d"${DURATION}s" --latency -s "$work/bundle.lua" \
  "$base/v1/bundle?deployer=helm" >"$work/bundle.txt"
peak=$(awk '/^VmHWM:/ {printf "%.1f MiB", $2 / 1024}' "/proc/$server/status")

echo "| load | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
echo "| \`GET /v1/recipe\`, kubeflow target, 16 connections, ${DURATION} s | $(figures "$work/recipe.txt") |"
echo "| \`POST /v1/bundle?deployer=helm\`, kubeflow recipe, 8 connections, ${DURATION} s | $(figures "$work/bundle.txt") |"
echo
echo "Peak resident memory of the server under both loads: $peak."
