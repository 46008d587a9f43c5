#!/usr/bin/env bash
# Stops a server started by scripts/start-postgres.sh and removes its directory.
set -uo pipefail
DIR=${1:?usage: scripts/stop-postgres.sh DIR}
BINDIR=${ELT_TEST_POSTGRES_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin | head -1)}
RUN=()
[ "$(id -u)" -eq 0 ] && RUN=(runuser -u postgres --)
"${RUN[@]}" "$BINDIR/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
rm -rf "$DIR"
