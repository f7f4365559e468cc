#!/usr/bin/env bash
# Runs a command against a private, throw-away PostgreSQL server on loopback.
#
#   Tests/Integration/postgres.sh                    # the PostgreSQL store tests
#   Tests/Integration/postgres.sh CMD ARGS...         # any command, with BEC_TEST_POSTGRES_URL exported
#
# Idempotent and self-cleaning: installs Debian's postgresql when missing (as root: apt-get update first),
# initdb's a new cluster in a temporary directory (its socket there too, TCP on 127.0.0.1 only, on a free
# port, SCRAM password authentication), creates a user and a database, exports
#   BEC_TEST_POSTGRES_URL=postgres://bectest:PASSWORD@127.0.0.1:PORT/bectest?sslmode=disable
# (and BEC_TEST_POSTGRES_DATA, BEC_TEST_POSTGRES_BIN: the cluster directory and pg_ctl's directory),
# runs the command, then stops the server and deletes the cluster whatever happened.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then echo "postgres.sh: PostgreSQL is not installed and I am not root" >&2; exit 2; fi
  echo "postgres.sh: installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

# initdb refuses to run as root: the cluster belongs to the postgres user then.
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
  AS=(runuser -u postgres --)
else
  AS=()
fi

DATA=$(mktemp -d /tmp/bec-pg.XXXXXX)
chmod 700 "$DATA"
[ "$(id -u)" = 0 ] && chown postgres: "$DATA"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PASS=$(python3 -c 'import secrets; print(secrets.token_hex(16))')

cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT INT TERM

"${AS[@]}" "$PGBIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  --encoding=UTF8 --locale=C.UTF-8 >"$DATA.initdb.log" 2>&1 || { cat "$DATA.initdb.log" >&2; exit 1; }
rm -f "$DATA.initdb.log"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -w -l "$DATA/server.log" \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DATA -c fsync=off" start >/dev/null
"${AS[@]}" "$PGBIN/psql" -q -h "$DATA" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE bectest LOGIN PASSWORD '$PASS'" -c "CREATE DATABASE bectest OWNER bectest"

export BEC_TEST_POSTGRES_URL="postgres://bectest:$PASS@127.0.0.1:$PORT/bectest?sslmode=disable"
# For tests that stop and restart the server (store-down checks): the cluster and the server binaries.
export BEC_TEST_POSTGRES_DATA="$DATA" BEC_TEST_POSTGRES_BIN="$PGBIN"
echo "postgres.sh: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (cluster $DATA)"

if [ $# -eq 0 ]; then
  set -- swift test --scratch-path "${BEC_SCRATCH_PATH:-.build}" --filter 'BECQuarantineTests.PostgresStoreTests'
fi
"$@"
