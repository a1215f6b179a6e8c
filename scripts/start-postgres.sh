#!/usr/bin/env bash
# Makes sure a PostgreSQL server runs on loopback for the hub's tests and prints the URL of a role
# that may create databases (each test class makes its own and drops it):
#   postgresql://granary:granary@127.0.0.1:PORT/postgres
# As root it uses the system's cluster (Debian's postgresql package); as anyone else it runs a
# private cluster under artifacts/postgres on port 54329. With GRANARY_TEST_POSTGRES already set,
# it only prints that.
set -euo pipefail
cd "$(dirname "$0")/.."

# Standard output carries the URL and nothing else: pg_ctlcluster and friends chat on stdout
# ("Removed stale pid file."), so everything but the final line goes to stderr. The server must
# not inherit descriptor 3, or whoever reads the URL would wait for the server to exit.
exec 3>&1 1>&2

if [[ -n "${GRANARY_TEST_POSTGRES:-}" ]]; then
  echo "$GRANARY_TEST_POSTGRES" >&3
  exit 0
fi

fail() { echo "start-postgres: $*" >&2; exit 1; }
wait_ready() {
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p "$1" && return 0; sleep 0.5; done
  fail "PostgreSQL did not come up on port $1"
}

if [[ $(id -u) -eq 0 ]]; then
  command -v pg_lsclusters >/dev/null || fail "PostgreSQL is not installed (scripts/install-prerequisites.sh installs it)"
  read -r version cluster port status _ < <(pg_lsclusters --no-header | head -1) || true
  if [[ -z "${version:-}" ]]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    pg_createcluster "$version" main >/dev/null
    read -r version cluster port status _ < <(pg_lsclusters --no-header | head -1)
  fi
  # pg_ctlcluster can report a failure while the server is in fact coming up; readiness decides.
  [[ "$status" == online* ]] || pg_ctlcluster "$version" "$cluster" start 3>&- || true
  wait_ready "$port"
  runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'granary') THEN
    CREATE ROLE granary LOGIN CREATEDB PASSWORD 'granary';
  END IF;
END
$$;
SQL
else
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -n "$bin" ]] || fail "PostgreSQL is not installed (scripts/install-prerequisites.sh installs it)"
  port=54329
  data="$PWD/artifacts/postgres"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    mkdir -p "$data"
    echo granary > "$data.pw"
    "$bin/initdb" -D "$data" -U granary --pwfile="$data.pw" -A scram-sha-256 >/dev/null
    rm "$data.pw"
  fi
  if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
    "$bin/pg_ctl" -D "$data" -l "$data.log" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null 3>&-
  fi
  wait_ready "$port"
fi

echo "postgresql://granary:granary@127.0.0.1:${port}/postgres" >&3
