#!/usr/bin/env bash
# The one test command: starts a private PostgreSQL, then runs every test against both
# journal backends (SQLite and Postgres). Usage: scripts/test.sh [extra swift test args]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v swift >/dev/null 2>&1; then
  [ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
fi
command -v swift >/dev/null 2>&1 || { echo "error: swift is not on PATH (install Swift 6.1 or later)" >&2; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || [ -e /usr/include/sqlite3.h ] || {
  if [ "$(id -u)" -eq 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev >&2; fi; }

# Every file the tests make (journals, data paths, servers' and Chromium's directories) goes
# under one directory of this run, removed when it ends; before, each run left a few hundred
# directories in /tmp.
TEST_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/elt-tests.XXXXXX")
STARTED_POSTGRES=
cleanup() {
  if [ -n "$STARTED_POSTGRES" ]; then scripts/stop-postgres.sh "$ELT_TEST_POSTGRES_DIR" || true; fi
  # A test's tmpfs (the disk-full test) left mounted under the run's directory would make rm
  # fail with "Device or resource busy": detach it first. Cleaning up never fails the run.
  awk -v dir="$TEST_TMPDIR/" 'index($2, dir) == 1 { print $2 }' /proc/mounts 2>/dev/null | while read -r mounted; do
    umount -l "$mounted" 2>/dev/null || true
  done
  rm -rf "$TEST_TMPDIR" 2>/dev/null || echo "warning: could not remove $TEST_TMPDIR" >&2
}
trap cleanup EXIT

if [ -z "${ELT_TEST_POSTGRES_URL:-}" ]; then
  eval "$(scripts/start-postgres.sh)"
  STARTED_POSTGRES=1
  echo "private PostgreSQL at ${ELT_TEST_POSTGRES_URL%%:*}://…@${ELT_TEST_POSTGRES_URL##*@}"
fi
export ELT_TEST_POSTGRES_URL

# Headless Chromium for the browser tests (driven by scripts/browser.py).
if [ -z "${ELT_TEST_CHROMIUM:-}" ]; then
  if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 ||
      { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2; } || true
  fi
  if command -v chromium >/dev/null 2>&1; then
    ELT_TEST_CHROMIUM="$(command -v chromium)"
  elif [ "${CI:-}" = true ]; then
    echo "error: chromium is missing and could not be installed (apt-get install chromium); the browser tests need it" >&2; exit 1
  fi
fi
export ELT_TEST_CHROMIUM="${ELT_TEST_CHROMIUM:-}"

swift build --build-tests
# Swift Testing starts every test at once by default. On a 2-core machine the ~300 tests
# (migrations, SCRAM connects, servers, child processes) then starved one another: local HTTP
# requests and Postgres connects took over 5 s, and dozens of tests failed on their timeouts.
# Twelve at a time passes and is faster (381 s against 429 s for the same suite, one machine).
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-12}"
export TMPDIR="$TEST_TMPDIR"
# A failing run prints thousands of log lines after its failures, and CI keeps only the tail:
# each run is copied to a log, and when it fails, its failing tests and their issues are
# printed again at the very end, where they are read.
TEST_LOG="$TEST_TMPDIR/swift-test.log"
run_tests() {
  local status=0
  swift test --skip-build --disable-xctest "$@" 2>&1 | tee -a "$TEST_LOG" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "==== failures of this run (swift test $*) ====" >&2
    grep -a -A 6 -E '(✘|recorded an issue|error:|Fatal error|Expectation failed)' "$TEST_LOG" | grep -av 'durable\.\|elt\.pipeline\|PostgresNIO\|^✔\|^◇' | head -200 >&2 || true
  fi
  return "$status"
}
if [ "$#" -gt 0 ]; then
  run_tests "$@"
else
  # Headless Chromium loads both cores while it runs: the browser test runs after the rest,
  # alone (about 9 s), so the suites that time connects and statements do not share with it.
  run_tests --skip DashboardBrowserTests
  : > "$TEST_LOG"
  run_tests --filter DashboardBrowserTests
fi
