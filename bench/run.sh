#!/usr/bin/env bash
# The core benchmarks beside their baselines, measured in one run on one throwaway PostgreSQL cluster
# (durable defaults: fsync on, synchronous_commit on). Prints RESULT lines and the ratios for
# docs/benchmarks.md. Usage: bench/run.sh [drain|latency|prune|all]   (prune is not part of all: it fills 1,000,000 jobs)
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_NAME=bench
. scripts/throwaway-postgres.sh
trap pg_stop EXIT
trap 'exit 130' INT

what=${1:-all}
pg_start
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=$(mktemp -d /tmp/conveyor-bench-bin.XXXXXX)
dotnet build bench/Conveyor.Bench -c Release -nologo -v quiet -o "$out" >/dev/null
bench() { dotnet "$out/Conveyor.Bench.dll" "$@"; }
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres conveyor_bench
BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=conveyor_bench;Maximum Pool Size=64"
export BENCH_PG

result() { grep -o "$2=[0-9.]*" <<<"$1" | cut -d= -f2; }

if [ "$what" = all ] || [ "$what" = latency ]; then
  log "enqueue -> start latency at 200 jobs/s for 20 s (first, on a quiet cluster)"
  "$PG_BIN/psql" -q "$PG_URI" -c CHECKPOINT
  bench latency --provider postgres --rate 200 --seconds 20 --workers 16 | grep RESULT
  bench latency --provider sqlite --rate 200 --seconds 20 --workers 16 | grep RESULT
  if [ -d ../shared/peers/hangfire ]; then
    dotnet build ../shared/peers/hangfire -c Release -nologo -v quiet -o "$out/hf" >/dev/null
    HF_LONGPOLL=1 HF_CONN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=conveyor_bench" \
      dotnet "$out/hf/hangfire-peer.dll" latency --n 200 --workers 16 | grep RESULT || true
  fi
fi
if [ "$what" = all ] || [ "$what" = drain ]; then
  log "pgbench: one UPDATE + one INSERT per transaction, 8 clients, 15 s"
  "$PG_BIN/pgbench" -i -q -s 10 "$PG_URI" >/dev/null 2>&1
  pgbench_out=$("$PG_BIN/pgbench" -n -c 8 -j 2 -T 15 -s 10 -f bench/pgbench-insupd.sql "$PG_URI" 2>/dev/null)
  tps=$(grep -oP 'tps = \K[0-9.]+' <<<"$pgbench_out" | head -n 1)
  echo "RESULT bench=pgbench-insupd clients=8 tps=$tps"

  log "Conveyor drain on PostgreSQL: 20,000 noop jobs, 16 workers"
  drain=$(bench drain --provider postgres --jobs 20000 --workers 16 | grep RESULT); echo "$drain"
  pg_rate=$(result "$drain" jobs_per_sec)

  if [ -d ../shared/peers/hangfire ]; then
    log "Hangfire.PostgreSql peer: same 20,000 jobs, 16 workers"
    [ -f "$out/hf/hangfire-peer.dll" ] || dotnet build ../shared/peers/hangfire -c Release -nologo -v quiet -o "$out/hf" >/dev/null
    hf=$(HF_CONN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=conveyor_bench" \
      dotnet "$out/hf/hangfire-peer.dll" throughput --n 20000 --workers 16 --enqueue-tasks 4 | grep RESULT || true)
    echo "$hf"
  fi

  log "SQLite baseline: single-row insert-then-update transactions, WAL, synchronous=FULL"
  base=$(bench sqlite-baseline --n 20000 | grep RESULT); echo "$base"
  log "Conveyor drain on SQLite: 20,000 noop jobs, 16 workers"
  sdrain=$(bench drain --provider sqlite --jobs 20000 --workers 16 | grep RESULT); echo "$sdrain"

  awk -v a="$pg_rate" -v b="$tps" 'BEGIN { printf "RATIO postgres drain / pgbench insupd = %.2f\n", a / b }'
  awk -v a="$(result "$sdrain" jobs_per_sec)" -v b="$(result "$base" tx_per_sec)" \
    'BEGIN { printf "RATIO sqlite drain / insert-then-update loop = %.2f\n", a / b }'
fi

if [ "$what" = prune ]; then
  log "enqueue -> start at 200 jobs/s, alone and while 1,000,000 finished jobs are pruned in batches of 500"
  "$PG_BIN/psql" -q "$PG_URI" -c CHECKPOINT
  bench prune --provider postgres --n 1000000 --rate 200 --seconds 20 --workers 16 | grep -E "RESULT|filled"
fi

rm -rf "$out"
