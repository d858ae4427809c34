# Sourced by the quick old-against-new benchmarks (drain-ab.sh, latency-ab.sh) after they set OLD and LOG_NAME: the old
# commit in a worktree, Conveyor.Bench built from it and from this tree ($WORK/old-bin, $WORK/new-bin), a throwaway
# PostgreSQL cluster with a conveyor_bench database ($BENCH_PG); all of it removed on exit.
. scripts/throwaway-postgres.sh
WORK=$(mktemp -d "/tmp/conveyor-$LOG_NAME.XXXXXX")
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
