#!/usr/bin/env bash
# A JIT setting against the build's own runtime config, on one build, in one run on one throwaway PostgreSQL cluster:
# the steady-state drain (20,000 noop jobs, 16 workers, PostgreSQL and SQLite) and the enqueue -> start p99 at
# 200 jobs/s, each process started fresh with or without the setting, alternating (A B, B A, …) so a busy moment on the
# shared box falls on both. A setting is NAME=VALUE environment variables, comma-separated (as in
# bench/ingest/first-load.sh). Each figure is the median of the rounds; a ratio is setting over runtime (>= 1 is no
# slower). The first load after a start is bench/ingest/first-load.sh's.
# Usage: flock /work/bench.lock bench/jit.sh SETTING [ROUNDS]     e.g. bench/jit.sh DOTNET_TieredPGO=1 4 (the runtime default, against
# the <TieredPGO>false</TieredPGO> that Conveyor.Bench and the server are built with)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
SETTING=${1:?a setting, e.g. DOTNET_TieredPGO=0}
ROUNDS=${2:-3}
LOG_NAME=jit
. scripts/throwaway-postgres.sh
trap pg_stop EXIT
trap 'exit 130' INT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=$(mktemp -d /tmp/conveyor-jit-bin.XXXXXX)
dotnet build bench/Conveyor.Bench -c Release -nologo -v quiet -o "$out" >/dev/null
pg_start
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres conveyor_bench
export BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=conveyor_bench;Maximum Pool Size=64"
IFS=, read -ra SETTING_ENV <<<"$SETTING"

field() { grep -o "$2=[0-9.]*" <<<"$1" | head -n 1 | cut -d= -f2; }
median() { python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
declare -A R
add() { R[$1]="${R[$1]:-} $2"; }
measure() { # runtime|setting
  local envs=() o
  [ "$1" = runtime ] || envs=("${SETTING_ENV[@]}")
  o=$(env "${envs[@]}" dotnet "$out/Conveyor.Bench.dll" drain --provider postgres --jobs 20000 --workers 16 | grep RESULT)
  add "drain_pg_$1" "$(field "$o" jobs_per_sec)"
  o=$(env "${envs[@]}" dotnet "$out/Conveyor.Bench.dll" drain --provider sqlite --jobs 20000 --workers 16 | grep RESULT)
  add "drain_sqlite_$1" "$(field "$o" jobs_per_sec)"
  "$PG_BIN/psql" -q "$PG_URI" -c CHECKPOINT
  o=$(env "${envs[@]}" dotnet "$out/Conveyor.Bench.dll" latency --provider postgres --rate 200 --seconds 10 --workers 16 | grep RESULT)
  add "latency_p99_$1" "$(field "$o" p99_ms)"
  log "$1: drain pg ${R[drain_pg_$1]##* } sqlite ${R[drain_sqlite_$1]##* } jobs/s; p99 ${R[latency_p99_$1]##* } ms"
}
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then measure runtime; measure setting; else measure setting; measure runtime; fi
done
report() { # name unit higher-is-better(1|0)
  local a b; a=$(median ${R[$1_runtime]}); b=$(median ${R[$1_setting]})
  echo "RESULT $1 runtime=$a ($(echo ${R[$1_runtime]})) $SETTING=$b ($(echo ${R[$1_setting]})) $2" \
    "ratio_setting_over_runtime=$(python3 -c "print(f'{($b / $a) if $3 else ($a / $b):.2f}')") rounds=$ROUNDS"
}
report drain_pg jobs/s 1
report drain_sqlite jobs/s 1
report latency_p99 ms 0
