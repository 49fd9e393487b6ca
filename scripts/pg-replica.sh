#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL (cluster "main", port 5432) as
# a second cluster "replica" on port 5433 (pg_createcluster + pg_basebackup),
# for the read-replica tests (QIBAO_TEST_REPLICA_URL). Idempotent: an
# existing replica is only started. Needs root (it edits the primary's
# pg_hba.conf to allow replication from loopback, trust as on this machine).
set -euo pipefail
PORT="${QIBAO_REPLICA_PORT:-5433}"
VER="$(ls /etc/postgresql | head -n1)"
DATA="/var/lib/postgresql/$VER/replica"

ready() { pg_isready -h 127.0.0.1 -p "$PORT" -q 2>/dev/null; }
if ready; then exit 0; fi

HBA="/etc/postgresql/$VER/main/pg_hba.conf"
if ! grep -qE '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$HBA"; then
  echo "host replication all 127.0.0.1/32 trust" >>"$HBA"
  pg_ctlcluster --skip-systemctl-redirect "$VER" main reload
fi

if [ ! -f "$DATA/standby.signal" ]; then
  if [ ! -d "/etc/postgresql/$VER/replica" ]; then
    pg_createcluster "$VER" replica --port "$PORT" >/dev/null
  fi
  # The replica answers loopback as the primary does.
  cp "$HBA" "/etc/postgresql/$VER/replica/pg_hba.conf"
  rm -rf "$DATA"
  pg_basebackup -h 127.0.0.1 -p 5432 -U root -D "$DATA" -R -X stream -c fast
  chown -R postgres:postgres "$DATA"
  chmod 700 "$DATA"
fi
pg_ctlcluster --skip-systemctl-redirect "$VER" replica start
for _ in $(seq 1 30); do
  if ready; then
    echo "streaming replica on 127.0.0.1:$PORT"
    exit 0
  fi
  sleep 1
done
echo "the replica did not start" >&2
exit 1
