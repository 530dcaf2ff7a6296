#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on a free port.
# Usage: scripts/with-postgres.sh COMMAND...   (TEST_DATABASE_URL and DATABASE_URL are exported)
# initdb and pg_ctl refuse root, so as root the cluster runs as the postgres user.
set -euo pipefail

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "with-postgres: no PostgreSQL server binaries (apt-get install postgresql)" >&2
  exit 3
fi

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

PGROOT=$(mktemp -d /tmp/vigil-pg.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGROOT"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() {
  as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PGROOT"
}
trap stop EXIT

as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# fsync off: a test cluster we throw away; never do this with real data. The benchmark sets
# PG_STOCK_DURABILITY=1: its figures must come from a server that keeps its promises (fsync,
# synchronous_commit and full_page_writes on, PostgreSQL's defaults), as a deployment's does.
FAST="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${PG_STOCK_DURABILITY:-0}" = "1" ] && FAST=""
as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGROOT $FAST -c max_connections=200" \
  start >/dev/null
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres vigil

export PGROOT PGBIN PGPORT="$PORT"
export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/vigil"
export DATABASE_URL="$TEST_DATABASE_URL"
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on port $PORT" >&2
"$@"
