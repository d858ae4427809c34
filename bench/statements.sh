#!/usr/bin/env bash
# Statements the PostgreSQL drain sends, old commit against this tree, counted by pg_stat_statements on one
# throwaway cluster: per job, and per kind of statement (claim, state lock, change write, creates).
# Usage: flock /work/bench.lock bench/statements.sh [OLD_COMMIT] [JOBS]   (default: c31900e 20000)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
OLD=${1:-c31900e}
JOBS=${2:-20000}
LOG_NAME=statements
. scripts/throwaway-postgres.sh
WORK=$(mktemp -d /tmp/conveyor-statements.XXXXXX)
cleanup() { pg_stop; git worktree remove --force "$WORK/old" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
git worktree add --detach -q "$WORK/old" "$OLD"
dotnet build "$WORK/old/bench/Conveyor.Bench" -c Release -nologo -v quiet -o "$WORK/old-bin" >/dev/null
dotnet build bench/Conveyor.Bench -c Release -nologo -v quiet -o "$WORK/new-bin" >/dev/null
pg_start shared_preload_libraries=pg_stat_statements
psql() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtA "$@"; }
psql -d postgres -c "CREATE EXTENSION pg_stat_statements" -c "CREATE DATABASE conveyor_bench"
export BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=conveyor_bench;Maximum Pool Size=64"
# Npgsql's reset of a pooled connection, not the drain's own work.
RESET="'UNLISTEN *','SET SESSION AUTHORIZATION DEFAULT','RESET ALL','CLOSE ALL','DISCARD SEQUENCES','SELECT pg_advisory_unlock_all()','DISCARD TEMP'"
for version in old new; do
  bin="$WORK/$version-bin"
  dotnet "$bin/Conveyor.Bench.dll" drain --provider postgres --jobs 200 --workers 16 >/dev/null   # migrates first
  psql -d postgres -c "SELECT pg_stat_statements_reset()" >/dev/null
  echo "$version: $(dotnet "$bin/Conveyor.Bench.dll" drain --provider postgres --jobs "$JOBS" --workers 16 | grep RESULT)"
  psql -d postgres -F ' ' -c "
    SELECT '$version statements_per_job=' || round(sum(calls)::numeric / $JOBS, 3)
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname = 'conveyor_bench' AND query NOT IN ($RESET)"
  psql -d postgres -F ' ' -c "
    SELECT '  ' || calls, left(regexp_replace(query, '\s+', ' ', 'g'), 80)
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname = 'conveyor_bench' AND query NOT IN ($RESET) AND calls > 5 ORDER BY calls DESC"
done
