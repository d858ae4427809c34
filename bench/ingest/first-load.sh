#!/usr/bin/env bash
# The case a user meets: the server process has just started (no warm-up) and the first upload is a 1M-row,
# 8-column CSV into a new dataset. Measured end to end (upload start to the job's completed_at) against psql \copy
# of the same file into a typed table, in the same round, on the same database, by JIT setting.
#
# Each round, for each setting in turn (the order rotates every round, so a busy moment on the shared box falls on
# every setting): a fresh database; \copy into it (the baseline); a fresh server under that setting, timed to ready;
# its first load into a new dataset (fresh_1); a second load into another new dataset (fresh_2) and a repeat into
# fresh_1, both on the now-warm process. The cluster is quiesced (VACUUM, CHECKPOINT) before each measurement.
#
# A setting is `runtime` (whatever the build's runtimeconfig says) or NAME=VALUE environment variables for the
# server, comma-separated: DOTNET_TieredCompilation=0, DOTNET_TC_QuickJitForLoops=0, DOTNET_TieredPGO=0, …
# Usage: flock /work/bench.lock bench/ingest/first-load.sh [ROUNDS] [SETTING…]
#   default: 3 rounds of runtime, DOTNET_TC_QuickJitForLoops=0, DOTNET_TC_QuickJit=0, DOTNET_TieredPGO=0,
#   DOTNET_TieredCompilation=0
set -euo pipefail
shopt -s inherit_errexit   # a failed step inside $(…) stops the run instead of timing nothing
cd "$(dirname "$0")/../.."
LOG_NAME=first-load
. scripts/throwaway-postgres.sh
command -v curl >/dev/null || apt_install curl
ROUNDS=${1:-3}
shift || true
SETTINGS=("$@")
[ ${#SETTINGS[@]} -gt 0 ] || SETTINGS=(runtime DOTNET_TC_QuickJitForLoops=0 DOTNET_TC_QuickJit=0 DOTNET_TieredPGO=0 DOTNET_TieredCompilation=0)
WORK=$(mktemp -d /tmp/first-load.XXXXXX)
PORT=5597
SERVER_PID=""
cleanup() { [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true; pg_stop; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
pg_start
dotnet build src/Conveyor -c Release -nologo -v quiet >/dev/null
CONVEYOR=src/Conveyor/bin/Release/net10.0/conveyor.dll
KEY=$(python3 -c "import secrets, string; a = string.ascii_letters + string.digits; print('cvk_' + ''.join(secrets.choice(a) for _ in range(8)) + '_' + ''.join(secrets.choice(a) for _ in range(32)))")
AUTH=(-H "X-Api-Key: $KEY")
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.2f}')"; }
median() { python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" "$@"; }
make_csv() { awk -v n="$1" 'BEGIN { print "id,name,email,city,amount,active,created,note";
    for (i = 1; i <= n; i++) printf "%d,name %d,user%d@example.org,city %d,%.2f,%s,2026-01-%02d,\"note, %d with a comma\"\n",
      i, i, i, i % 977, i * 1.37, (i % 2 ? "true" : "false"), i % 28 + 1, i }' > "$2"; }

# Uploads the file into the dataset and waits for its job; prints the seconds from the upload's start to the job's
# completed_at (same machine, same clock), and on stderr the job's split (upload, queued, ran).
load() { # file dataset
  local t0 id status
  t0=$(now)
  id=$(curl -sf "${AUTH[@]}" -F "dataset=$2" -F "file=@$1;filename=bench.csv" http://127.0.0.1:$PORT/api/v1/upload \
    | grep -o '"ids":\["[0-9a-f-]*"' | cut -d'"' -f4)
  [ -n "$id" ] || { log "the upload of $1 failed"; exit 1; }
  while :; do
    status=$(curl -sf "${AUTH[@]}" http://127.0.0.1:$PORT/api/v1/jobs/$id | grep -o '"status":"[a-z]*"' | cut -d'"' -f4)
    case "$status" in succeeded*) break ;; failed*|cancelled*) log "job $id: $status"; exit 1 ;; esac
    sleep 0.5
  done
  curl -sf "${AUTH[@]}" http://127.0.0.1:$PORT/api/v1/jobs/$id | python3 bench/ingest/job_split.py "$t0"
}

make_csv 1000000 "$WORK/1m.csv"
declare -A COPY FIRST SECOND REPEAT READY RATIO_FIRST RATIO_REPEAT
n=0
for round in $(seq "$ROUNDS"); do
  # Rotate the order: round r starts at setting r-1.
  count=${#SETTINGS[@]}
  for k in $(seq 0 $((count - 1))); do
    cfg=${SETTINGS[$(( (k + round - 1) % count ))]}
    n=$((n + 1)); db="fl_$n"
    "$PG_BIN/psql" -q "$PG_URI" -c "CREATE DATABASE $db"
    uri="${PG_URI%/*}/$db"; conn="${PG_CONNECTION/Database=postgres/Database=$db}"
    quiesce() { "$PG_BIN/psql" -q "$uri" -c "VACUUM" -c "CHECKPOINT"; }
    "$PG_BIN/psql" -q "$uri" -c "CREATE TABLE copy_baseline (id bigint, name text, email text, city text, amount numeric, active boolean, created date, note text)"
    quiesce
    t0=$(now); "$PG_BIN/psql" -q "$uri" -c "\\copy copy_baseline FROM '$WORK/1m.csv' WITH (FORMAT csv, HEADER true)"
    copy=$(since "$t0")
    "$PG_BIN/psql" -q "$uri" -c "DROP TABLE copy_baseline"; quiesce
    if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then log "port $PORT is taken; stop what listens there"; exit 1; fi
    envs=(); [ "$cfg" = runtime ] || IFS=, read -ra envs <<<"$cfg"
    t0=$(now)
    env "${envs[@]}" dotnet "$CONVEYOR" serve --urls http://127.0.0.1:$PORT --Conveyor:DataDirectory="$WORK/data$n" \
      --Conveyor:Database:Provider=postgres --ConnectionStrings:Conveyor="$conn" --Conveyor:Workers:Count=2 \
      --Conveyor:Uploads:MaxFileBytes=2147483648 --Conveyor:Auth:BootstrapAdminKey="$KEY" --Logging:LogLevel:Default=Warning \
      >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 600); do curl -sf http://127.0.0.1:$PORT/health/ready >/dev/null && break; sleep 0.05; done
    curl -sf http://127.0.0.1:$PORT/health/ready >/dev/null || { cat "$WORK/server.log"; exit 1; }
    ready=$(since "$t0")
    first=$(load "$WORK/1m.csv" fresh_1); quiesce
    second=$(load "$WORK/1m.csv" fresh_2); quiesce
    repeat=$(load "$WORK/1m.csv" fresh_1)
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    rm -rf "$WORK/data$n"; "$PG_BIN/psql" -q "$PG_URI" -c "DROP DATABASE $db"
    ratio=$(python3 -c "print(f'{$copy/$first:.2f}')")
    log "round $round $cfg: ready ${ready}s; \\copy ${copy}s; first load ${first}s (ratio $ratio); second ${second}s; repeat ${repeat}s"
    COPY[$cfg]+=" $copy"; FIRST[$cfg]+=" $first"; SECOND[$cfg]+=" $second"; REPEAT[$cfg]+=" $repeat"; READY[$cfg]+=" $ready"
    RATIO_FIRST[$cfg]+=" $ratio"
    RATIO_REPEAT[$cfg]+=" $(python3 -c "print(f'{$copy/$repeat:.2f}')")"
  done
done
echo "setting | ready s | \\copy s | first load s | first ratio (rounds) | second s | repeat s | repeat ratio (rounds)"
for cfg in "${SETTINGS[@]}"; do
  # shellcheck disable=SC2086
  echo "$cfg | $(median ${READY[$cfg]}) | $(median ${COPY[$cfg]}) | $(median ${FIRST[$cfg]}) | $(median ${RATIO_FIRST[$cfg]}) (${RATIO_FIRST[$cfg]# }) | $(median ${SECOND[$cfg]}) | $(median ${REPEAT[$cfg]}) | $(median ${RATIO_REPEAT[$cfg]}) (${RATIO_REPEAT[$cfg]# })"
done
