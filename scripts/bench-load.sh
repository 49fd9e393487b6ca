#!/usr/bin/env bash
# Open-loop load run against a release build of the server on loopback
# (tools: qibao-load; latency from each request's intended send time).
# Usage: scripts/bench-load.sh [sqlite|postgres]
#   N=50000        employees of the seeded unit (12 months of history)
#   DURATION=30    seconds per scenario
#   PROFILE=release (debug for a quick check)
# Seeds a fresh database (tools/examples/seed_load.rs), starts `qibao serve`
# with QIBAO_TODAY=2023-08-15, then runs (a) the employee page of 20 at
# 200 req/s, (b) the portal mix at 1,000 req/s and (c) unit certificates
# of 20 persons issued and verified publicly at 100 req/s in all; prints
# one table each.
# Bounded: rate × DURATION requests per scenario, loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
n="${N:-50000}"
duration="${DURATION:-30}"
profile="${PROFILE:-release}"
target="${CARGO_TARGET_DIR:-target}"
flag=$([ "$profile" = release ] && echo --release || true)
cargo build $flag -p qibao-api --bin qibao -p qibao-tools --example seed_load --bin qibao-load
bin="$target/$profile"
tmp=$(mktemp -d)
trap 'kill $(cat "$tmp/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$tmp"' EXIT
if [ "$backend" = postgres ]; then
  psql -h 127.0.0.1 -U root -d postgres -qc "DROP DATABASE IF EXISTS qibao_bench" -c "CREATE DATABASE qibao_bench"
  url="postgres://root@127.0.0.1:5432/qibao_bench"
else
  url="sqlite://$tmp/bench.db"
fi
port="${BENCH_PORT:-18080}"
export QIBAO_DATABASE_URL="$url" QIBAO_DATA_DIR="$tmp" QIBAO_BIND="127.0.0.1:$port" \
  QIBAO_TODAY=2023-08-15 RUST_LOG=warn
echo "== seeding $n employees × 3 insurances × 12 months ($backend)"
/usr/bin/time -f "seeded in %e s" "$bin/examples/seed_load" "$n"
"$bin/qibao" serve & echo $! > "$tmp/pid"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
"$bin/qibao-load" employees --server "http://127.0.0.1:$port" --rate 200 --duration "$duration" \
  --title "(a) employee page of 20 at 200 req/s, $backend, N=$n"
"$bin/qibao-load" portal --server "http://127.0.0.1:$port" --rate 1000 --duration "$duration" \
  --title "(b) portal mix at 1,000 req/s, $backend, N=$n"
"$bin/qibao-load" certificates --server "http://127.0.0.1:$port" --rate 100 --duration "$duration" \
  --title "(c) certificates issued and verified at 100 req/s, $backend, N=$n"
