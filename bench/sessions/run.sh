#!/usr/bin/env bash
# The sessions pipeline, queued to Ready, against noop jobs through the same server, in one run: a throwaway
# PostgreSQL cluster on a free loopback port, then bench/Conveyor.SessionsBench. Prints its RESULT line.
# Usage: bench/sessions/run.sh [--sessions 1000] [--rounds 3] [--workers 4] [--concurrency 16]
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_NAME=sessions-bench
. scripts/throwaway-postgres.sh
trap pg_stop EXIT
trap 'exit 130' INT

pg_start
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=$(mktemp -d /tmp/conveyor-sessionsbench-bin.XXXXXX)
dotnet build bench/Conveyor.SessionsBench -c Release -nologo -v quiet -o "$out" >/dev/null
BENCH_PG_ADMIN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres" dotnet "$out/Conveyor.SessionsBench.dll" "$@"
