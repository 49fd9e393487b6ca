#!/usr/bin/env bash
# Load run against a release build of the server on loopback, with wrk.
# Usage: scripts/bench-load.sh [sqlite|postgres] — bounded: 30 s per run.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release -p qibao-api --bin qibao
tmp=$(mktemp -d)
trap 'kill $(cat "$tmp/pid") 2>/dev/null || true; rm -rf "$tmp"' EXIT
if [ "$backend" = postgres ]; then
  psql -h 127.0.0.1 -U root -d postgres -qc "DROP DATABASE IF EXISTS qibao_bench" -c "CREATE DATABASE qibao_bench"
  url="postgres://root@127.0.0.1:5432/qibao_bench"
else
  url="sqlite://$tmp/bench.db"
fi
export QIBAO_DATABASE_URL="$url" QIBAO_DATA_DIR="$tmp" QIBAO_BIND=127.0.0.1:18080 RUST_LOG=warn
./target/release/qibao migrate >/dev/null
./target/release/qibao serve & echo $! > "$tmp/pid"
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.2; done
echo "== quote (10 persons, 30 lines), $backend"
wrk -t2 -c16 -d30s --latency -s scripts/quote.lua http://127.0.0.1:18080/api/v1/policy/quotes
echo "== parameters in force (read), $backend"
wrk -t2 -c16 -d30s --latency "http://127.0.0.1:18080/api/v1/policy/regions/420500/parameters?period=202208"
