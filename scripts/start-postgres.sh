#!/usr/bin/env bash
# Starts a private, throw-away PostgreSQL 15 on a free loopback port and prints
#   export ELT_TEST_POSTGRES_URL=postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres
#   export ELT_TEST_POSTGRES_DIR=DIR
# Stop it with: scripts/stop-postgres.sh DIR
# Installs the server with apt-get when its binaries are missing (needs root).
set -euo pipefail

# The server outlives this script: it must not inherit the caller's descriptors (a test runner's
# Foundation.Process learns that its child exited when a socket it passed down closes).
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null || true
done

find_bindir() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

BINDIR=$(find_bindir || true)
if [ -z "$BINDIR" ]; then
  echo "PostgreSQL server binaries not found; installing with apt-get" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: PostgreSQL is not installed and this is not root; run 'sudo apt-get install -y postgresql'" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  BINDIR=$(find_bindir)
fi

# initdb refuses to run as root: run the server as the postgres user then.
RUN=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
  RUN=(runuser -u postgres --)
fi

free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

DIR=$(mktemp -d /tmp/elt-pg.XXXXXX)
chmod 755 "$DIR"
PORT=$(free_port)
PASSWORD="elt$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$PASSWORD" > "$DIR/pwfile"
mkdir -p "$DIR/data" "$DIR/sock"
[ ${#RUN[@]} -gt 0 ] && chown -R postgres "$DIR"

"${RUN[@]}" "$BINDIR/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/pwfile" \
  --auth-local=trust --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
"${RUN[@]}" "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR/sock -c max_connections=2000 -c fsync=on" start >&2 \
  || { cat "$DIR/server.log" >&2; exit 1; }

echo "export ELT_TEST_POSTGRES_URL=postgres://postgres:${PASSWORD}@127.0.0.1:${PORT}/postgres"
echo "export ELT_TEST_POSTGRES_DIR=$DIR"
echo "export ELT_TEST_POSTGRES_BINDIR=$BINDIR"
