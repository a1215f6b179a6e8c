#!/usr/bin/env bash
# Starts a private, throw-away PostgreSQL server for the hub's tests and prints its URL, a
# superuser that may create databases (each test class makes its own and drops it):
#   postgresql://granary:granary@127.0.0.1:PORT/postgres
#   scripts/start-postgres.sh DIR          a new cluster in the empty directory DIR, on a free loopback port
#   scripts/start-postgres.sh --stop DIR   stops it (the caller then deletes DIR)
# The system's own PostgreSQL service, if any, is left alone: nothing is started, created or changed
# outside DIR. Debian's initdb refuses to run as root, so as root the cluster runs as the
# 'postgres' user the package creates.
set -euo pipefail

# Standard output carries the URL and nothing else; the server must not inherit descriptor 3, or
# whoever reads the URL would wait for the server to exit.
exec 3>&1 1>&2

fail() { echo "start-postgres: $*" >&2; exit 1; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -n "$bin" ]] || fail "PostgreSQL is not installed (scripts/install-prerequisites.sh installs it)"
as=()
[[ $(id -u) -eq 0 ]] && as=(runuser -u postgres --)

if [[ "${1:-}" == "--stop" ]]; then
  [[ -f "${2:?--stop needs the directory of the cluster}/data/PG_VERSION" ]] || exit 0
  "${as[@]}" "$bin/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null 3>&- || true
  exit 0
fi

dir=${1:?usage: start-postgres.sh DIR | --stop DIR}
mkdir -p "$dir"
[[ ${#as[@]} -eq 0 ]] || chown postgres "$dir"
echo granary > "$dir/password"
[[ ${#as[@]} -eq 0 ]] || chown postgres "$dir/password"
"${as[@]}" "$bin/initdb" -D "$dir/data" -U granary --pwfile="$dir/password" -A scram-sha-256 >/dev/null
rm "$dir/password"

port=
for candidate in $(seq 54329 54429); do
  if ! (exec 5<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[[ -n "$port" ]] || fail "no free port between 54329 and 54429"
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 3>&- \
  || fail "PostgreSQL did not start; see $dir/server.log"
echo "postgresql://granary:granary@127.0.0.1:${port}/postgres" >&3
