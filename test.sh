#!/usr/bin/env bash
# Runs every test against SQLite and a throwaway PostgreSQL cluster.
# Installs what the tests need when it is missing (as root, from Debian's packages), starts the
# servers on free loopback ports in a temp dir, and stops them on exit, failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")"
LOG_NAME=test.sh
. scripts/throwaway-postgres.sh
. scripts/speech-tools.sh
. scripts/openapi-tools.sh

trap pg_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

speech_tools_install
openapi_tools_install
pg_start
# The status cache tests start redis-server processes of their own (they stop and restart them).
command -v redis-server >/dev/null || apt_install redis-server
export CONVEYOR_TEST_REDIS_SERVER="$(command -v redis-server)"
# The dashboard's browser tests drive Debian's Chromium (Playwright launches it; it downloads no browser of its own).
command -v chromium >/dev/null || apt_install chromium fonts-liberation
export CONVEYOR_TEST_CHROMIUM="$(command -v chromium)"
export CONVEYOR_TEST_POSTGRES="$PG_CONNECTION"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log "building"
dotnet build Conveyor.slnx -c Release -warnaserror -nologo -v quiet
log "running tests"
dotnet test Conveyor.slnx -c Release --no-build --nologo "$@"
