#!/usr/bin/env bash
# Seed 002's cached status read against its baselines, in one run: a throwaway PostgreSQL cluster and redis-server
# on free loopback ports, then bench/Conveyor.StatusBench. Prints its RESULT line. Usage: bench/status/run.sh [args]
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_NAME=status-bench
. scripts/throwaway-postgres.sh
redis_pid=""
stop_all() { [ -z "$redis_pid" ] || kill "$redis_pid" 2>/dev/null || true; pg_stop; }
trap stop_all EXIT
trap 'exit 130' INT

command -v wrk >/dev/null || apt_install wrk
command -v redis-server >/dev/null || apt_install redis-server
pg_start
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
redis_pid=$!
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=$(mktemp -d /tmp/conveyor-statusbench-bin.XXXXXX)
dotnet build bench/Conveyor.StatusBench -c Release -nologo -v quiet -o "$out" >/dev/null
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres conveyor_status
BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=conveyor_status;Maximum Pool Size=64" \
BENCH_REDIS="127.0.0.1:$redis_port" dotnet "$out/Conveyor.StatusBench.dll" "$@"
