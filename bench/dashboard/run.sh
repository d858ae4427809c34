#!/usr/bin/env bash
# The dashboard's benchmarks, each in one run with its baseline (run them under `flock /work/bench.lock`):
#   bench/dashboard/run.sh queue [--jobs 1000000] [--rounds 100]   /admin/queue's first page at a million jobs in a throwaway
#       PostgreSQL, served by `conveyor serve` as built: unfiltered, each one filter and the searches, cold and warm, against
#       a bare SELECT of the same rows; the plans of every statement the page runs to bench/dashboard/plans.txt
#   bench/dashboard/run.sh streams [--streams 500] [--seconds 30] [--rounds 2]   a serve node's CPU with N idle job streams
#       open against none, alternating
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_NAME=dashboard-bench
. scripts/throwaway-postgres.sh
trap pg_stop EXIT
trap 'exit 130' INT
mode=${1:-queue}
shift || true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=$(mktemp -d /tmp/conveyor-dashboardbench-bin.XXXXXX)
dotnet build bench/Conveyor.DashboardBench -c Release -nologo -v quiet -o "$out" >/dev/null
# The node under test is the server as built (its own deps and runtimeconfig), not a copy inside the bench's folder.
dotnet build src/Conveyor -c Release -nologo -v quiet >/dev/null
server="$PWD/src/Conveyor/bin/Release/net10.0/conveyor.dll"
case "$mode" in
  queue)
    # auto_explain is loaded but silent; the bench turns it on for one connection to log the plans of its calls.
    pg_start shared_preload_libraries=auto_explain auto_explain.log_min_duration=-1 shared_buffers=256MB work_mem=16MB
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres conveyor_queue
    BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=conveyor_queue;Command Timeout=600" \
      dotnet "$out/Conveyor.DashboardBench.dll" queue --server "$server" --plans on "$@"
    # The plans, as auto_explain logged them, each after the marker the bench logged before its call.
    grep -v '^\s*$' "$PG_RUN_DIR/sock/pg.log" | sed -n '/plan: /,$p' > bench/dashboard/plans.txt || true
    log "plans in bench/dashboard/plans.txt"
    ;;
  streams)
    dotnet "$out/Conveyor.DashboardBench.dll" streams --server "$server" "$@"
    ;;
  *) echo "usage: $0 queue|streams [args]" >&2; exit 2 ;;
esac
