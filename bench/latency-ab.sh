#!/usr/bin/env bash
# Enqueue -> start at 200 jobs/s for 10 s (PostgreSQL), an old commit against this tree, alternating round by round on
# one throwaway PostgreSQL cluster: bench/compare.sh's latency part alone. Prints each round's RESULT line.
# Usage: flock /work/bench.lock bench/latency-ab.sh OLD_COMMIT [ROUNDS]
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
OLD=${1:?old commit}
ROUNDS=${2:-3}
LOG_NAME=lat-ab
. scripts/throwaway-postgres.sh
WORK=$(mktemp -d /tmp/conveyor-lat-ab.XXXXXX)
cleanup() { pg_stop; git worktree remove --force "$WORK/old" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
git worktree add --detach -q "$WORK/old" "$OLD"
dotnet build "$WORK/old/bench/Conveyor.Bench" -c Release -nologo -v quiet -o "$WORK/old-bin" >/dev/null
dotnet build bench/Conveyor.Bench -c Release -nologo -v quiet -o "$WORK/new-bin" >/dev/null
pg_start
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres conveyor_bench
export BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=conveyor_bench;Maximum Pool Size=64"
m() { "$PG_BIN/psql" -q "$PG_URI" -c CHECKPOINT; echo "$1 $(dotnet "$WORK/$1-bin/Conveyor.Bench.dll" latency --provider postgres --rate 200 --seconds 10 --workers 16 | grep RESULT)"; }
for r in $(seq "$ROUNDS"); do if [ $((r % 2)) -eq 1 ]; then m old; m new; else m new; m old; fi; done
