#!/usr/bin/env bash
# Stops or starts again a server made by scripts/start-postgres.sh, keeping its data, port and
# options: what a test needs to take a database away mid-run and bring it back.
#   scripts/postgres-outage.sh DIR stop    # fast shutdown: clients are disconnected, the server is gone
#   scripts/postgres-outage.sh DIR start   # the same server again (options from postmaster.opts)
set -euo pipefail

# The server outlives this script: it must not inherit the caller's descriptors (a test runner's
# Foundation.Process learns that its child exited when a socket it passed down closes).
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null || true
done
DIR=${1:?usage: scripts/postgres-outage.sh DIR stop|start}
ACTION=${2:?usage: scripts/postgres-outage.sh DIR stop|start}
BINDIR=${ELT_TEST_POSTGRES_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin | head -1)}
RUN=()
[ "$(id -u)" -eq 0 ] && RUN=(runuser -u postgres --)
case "$ACTION" in
  stop) "${RUN[@]}" "$BINDIR/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null ;;
  # restart reuses the options the server was started with; with the server down it just starts it.
  start) "${RUN[@]}" "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 restart >/dev/null 2>&1 \
           || { tail -20 "$DIR/server.log" >&2; exit 1; } ;;
  *) echo "usage: scripts/postgres-outage.sh DIR stop|start" >&2; exit 2 ;;
esac
