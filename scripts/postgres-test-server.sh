#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for the SQL store tests,
# and prints on stdout, as its only (and last) line:
#
#   ANTOM_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:55432/antom_test
#
# Use:  export "$(scripts/postgres-test-server.sh)"
#       cargo test -p antom-testkit --test store_postgres
#
# - Installs Debian's `postgresql` package when no server binaries are found
#   (needs root, as on the project's machines and CI).
# - Initialises a cluster with trust authentication (loopback only: it is
#   for tests) under $ANTOM_PG_DIR (default /tmp/antom-postgres-$PORT), as
#   the `postgres` OS user when run as root (PostgreSQL refuses to run as root).
# - Starts it on 127.0.0.1:$ANTOM_PG_PORT (default 55432), waits until it
#   accepts connections, and creates the database $ANTOM_PG_DB (default antom_test).
#
# Idempotent: a second run finds the cluster initialised and running and only
# prints the URL again. Stop it with:
#   pg_ctl -D "$ANTOM_PG_DIR/data" stop     (as the postgres user when root)
set -euo pipefail

PORT="${ANTOM_PG_PORT:-55432}"
BASE="${ANTOM_PG_DIR:-/tmp/antom-postgres-$PORT}"
DATA="$BASE/data"
DB="${ANTOM_PG_DB:-antom_test}"
HOST=127.0.0.1

log() { echo "postgres-test-server: $*" >&2; }

find_bindir() {
  local dir
  # The newest installed major version first.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return 0
  fi
  return 1
}

BINDIR="$(find_bindir || true)"
if [ -z "$BINDIR" ]; then
  log "no PostgreSQL server found; installing Debian's postgresql package"
  if [ "$(id -u)" -ne 0 ]; then
    log "not root: install it yourself (sudo apt-get install -y postgresql) and run this again"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y --no-install-recommends postgresql >&2
  BINDIR="$(find_bindir)"
fi
log "using $BINDIR"

# Run a command as the cluster's owner: the postgres OS user when we are root.
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  as_owner() { runuser -u postgres -- "$@"; }
  OWNER=postgres
else
  as_owner() { "$@"; }
  OWNER="$(id -un)"
fi

mkdir -p "$BASE"
if [ "$(id -u)" -eq 0 ]; then
  chown "$OWNER" "$BASE"
fi
chmod 700 "$BASE"

if [ ! -s "$DATA/PG_VERSION" ]; then
  log "initialising a throwaway cluster in $DATA"
  rm -rf "$DATA"
  as_owner "$BINDIR/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >&2 \
    || as_owner "$BINDIR/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C --no-sync >&2
fi

ready() { "$BINDIR/pg_isready" -q -h "$HOST" -p "$PORT" -U postgres -d postgres; }

if ready; then
  log "a server already accepts connections on $HOST:$PORT"
else
  if as_owner "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "the cluster is running but not ready yet"
  else
    # A stale pid file from a killed server would stop pg_ctl; postgres checks it itself.
    log "starting the server on $HOST:$PORT (log: $BASE/server.log)"
    as_owner touch "$BASE/server.log"
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -l "$BASE/server.log" -w -t 60 \
      -o "-c listen_addresses=$HOST -p $PORT -k $BASE -c max_connections=200 -c fsync=on" start >&2 || {
      log "pg_ctl start failed; the server log says:"
      tail -n 30 "$BASE/server.log" >&2 || true
      exit 1
    }
  fi
  for _ in $(seq 1 120); do
    if ready; then break; fi
    sleep 0.5
  done
  if ! ready; then
    log "the server did not become ready on $HOST:$PORT; the log says:"
    tail -n 30 "$BASE/server.log" >&2 || true
    exit 1
  fi
fi

PSQL=("$BINDIR/psql" -X -q -h "$HOST" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
if [ "$("${PSQL[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  log "creating database $DB"
  # Another run may create it at the same moment: tolerate "already exists".
  "${PSQL[@]}" -c "CREATE DATABASE \"$DB\"" >&2 2>/dev/null \
    || [ "$("${PSQL[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" = "1" ]
fi

log "ready"
echo "ANTOM_TEST_POSTGRES_URL=postgres://postgres@$HOST:$PORT/$DB"
