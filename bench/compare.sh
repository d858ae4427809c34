#!/usr/bin/env bash
# An old commit against this tree, measured in one run on one throwaway PostgreSQL cluster, the two builds
# alternating round by round (old then new, then new then old, …) so a busy moment on the shared box falls on both:
#   drain     20,000 noop jobs, 16 workers (PostgreSQL and SQLite): jobs/s
#   latency   enqueue -> start at 200 jobs/s for 10 s (PostgreSQL): p99
#   load      a 1,000,000-row 8-column CSV, upload -> succeeded, through the server (PostgreSQL and SQLite)
#   auth      Conveyor.AuthBench: p50 of GET /api/v1/jobs/{id} with authentication and authorization
# Each figure is the median of the rounds; a ratio is new performance over old (>= 1 is no slower).
# Usage: flock /work/bench.lock bench/compare.sh [OLD_COMMIT] [ROUNDS]   (default: c31900e 3)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
OLD=${1:-c31900e}
ROUNDS=${2:-3}
LOG_NAME=compare
. scripts/throwaway-postgres.sh
command -v wrk >/dev/null || apt_install wrk
command -v curl >/dev/null || apt_install curl
WORK=$(mktemp -d /tmp/conveyor-compare.XXXXXX)
SERVER_PID=""
cleanup() {
  [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
  pg_stop
  git worktree remove --force "$WORK/old" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

git worktree add --detach -q "$WORK/old" "$OLD"
build() { # source-dir out-dir
  dotnet build "$1/bench/Conveyor.Bench" -c Release -nologo -v quiet -o "$2/bench" >/dev/null
  dotnet build "$1/bench/Conveyor.AuthBench" -c Release -nologo -v quiet -o "$2/auth" >/dev/null
  dotnet build "$1/src/Conveyor" -c Release -nologo -v quiet -o "$2/server" >/dev/null
}
log "building $OLD and this tree ($(git rev-parse --short HEAD)$(git diff --quiet || echo +changes))"
build "$WORK/old" "$WORK/old-bin"
build . "$WORK/new-bin"

pg_start
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres conveyor_bench
export BENCH_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=conveyor_bench;Maximum Pool Size=64"
LOAD_DB="${PG_CONNECTION/Database=postgres/Database=conveyor_load}"
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres conveyor_load

field() { grep -o "$2=[0-9.]*" <<<"$1" | head -n 1 | cut -d= -f2; }
median() { python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
now() { date +%s.%N; }

KEY=$(python3 -c "import secrets, string; a = string.ascii_letters + string.digits; print('cvk_' + ''.join(secrets.choice(a) for _ in range(8)) + '_' + ''.join(secrets.choice(a) for _ in range(32)))")
start_server() { # bin provider data-dir [connection]
  local args=(--urls http://127.0.0.1:5598 --Conveyor:DataDirectory="$3" --Conveyor:Database:Provider="$2" --Conveyor:Workers:Count=2
    --Conveyor:Uploads:MaxFileBytes=2147483648 --Conveyor:Uploads:MaxRequestBytes=4294967296 --Conveyor:Auth:BootstrapAdminKey="$KEY"
    --Logging:LogLevel:Default=Warning)
  [ -z "${4:-}" ] || args+=(--ConnectionStrings:Conveyor="$4")
  if (exec 3<>/dev/tcp/127.0.0.1/5598) 2>/dev/null; then log "port 5598 is taken"; exit 1; fi
  dotnet "$1/server/conveyor.dll" serve "${args[@]}" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 150); do curl -sf http://127.0.0.1:5598/health/ready >/dev/null && return; sleep 0.2; done
  cat "$WORK/server.log"; exit 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }
upload_and_load() { # csv: seconds from the upload's start to the job's completed_at
  local t0 id status
  t0=$(now)
  id=$(curl -sf -H "X-Api-Key: $KEY" -F "dataset=bench" -F "file=@$1;filename=bench.csv" http://127.0.0.1:5598/api/v1/upload \
    | grep -o '"ids":\["[0-9a-f-]*"' | cut -d'"' -f4)
  [ -n "$id" ] || { log "the upload of $1 failed"; exit 1; }
  while :; do
    status=$(curl -sf -H "X-Api-Key: $KEY" http://127.0.0.1:5598/api/v1/jobs/$id | grep -o '"status":"[a-z]*"' | cut -d'"' -f4)
    case "$status" in succeeded*) break ;; failed*|cancelled*) echo "job $id: $status" >&2; exit 1 ;; esac
    sleep 0.5
  done
  curl -sf -H "X-Api-Key: $KEY" http://127.0.0.1:5598/api/v1/jobs/$id | python3 bench/ingest/job_split.py "$t0" | awk '{print $1}'
}
make_csv() { # rows path
  awk -v n="$1" 'BEGIN { print "id,name,email,city,amount,active,created,note";
    for (i = 1; i <= n; i++) printf "%d,name %d,user%d@example.org,city %d,%.2f,%s,2026-01-%02d,\"note, %d with a comma\"\n",
      i, i, i, i % 977, i * 1.37, (i % 2 ? "true" : "false"), i % 28 + 1, i }' > "$2"
}
make_csv 1000000 "$WORK/1m.csv"
make_csv 100000 "$WORK/warm.csv"

declare -A R
add() { R[$1]="${R[$1]:-} $2"; }

measure() { # version
  local bin="$WORK/$1-bin" out
  out=$(dotnet "$bin/bench/Conveyor.Bench.dll" drain --provider postgres --jobs 20000 --workers 16 | grep RESULT)
  add "drain_pg_$1" "$(field "$out" jobs_per_sec)"
  out=$(dotnet "$bin/bench/Conveyor.Bench.dll" drain --provider sqlite --jobs 20000 --workers 16 | grep RESULT)
  add "drain_sqlite_$1" "$(field "$out" jobs_per_sec)"
  "$PG_BIN/psql" -q "$PG_URI" -c CHECKPOINT
  out=$(dotnet "$bin/bench/Conveyor.Bench.dll" latency --provider postgres --rate 200 --seconds 10 --workers 16 | grep RESULT)
  add "latency_p99_$1" "$(field "$out" p99_ms)"
  out=$(dotnet "$bin/auth/Conveyor.AuthBench.dll" --seconds 5 --rounds 3 | grep RESULT)
  add "auth_p50_$1" "$(field "$out" auth_p50_ms)"
  add "auth_ratio_$1" "$(field "$out" ratio)"
  for provider in postgres sqlite; do
    rm -rf "$WORK/data"
    "$PG_BIN/psql" -q "$PG_URI" -c "DROP DATABASE conveyor_load" -c "CREATE DATABASE conveyor_load"
    start_server "$bin" "$provider" "$WORK/data" "$([ $provider = postgres ] && echo "$LOAD_DB" || true)"
    upload_and_load "$WORK/warm.csv" >/dev/null
    "$PG_BIN/psql" -q "$PG_URI" -c CHECKPOINT
    add "load_${provider}_$1" "$(upload_and_load "$WORK/1m.csv")"
    stop_server
  done
  log "$1: drain pg ${R[drain_pg_$1]##* } sqlite ${R[drain_sqlite_$1]##* } jobs/s; p99 ${R[latency_p99_$1]##* } ms;" \
    "auth p50 ${R[auth_p50_$1]##* } ms; load pg ${R[load_postgres_$1]##* } s sqlite ${R[load_sqlite_$1]##* } s"
}

for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then measure old; measure new; else measure new; measure old; fi
done

report() { # name unit higher-is-better(1|0)
  local o n; o=$(median ${R[$1_old]}); n=$(median ${R[$1_new]})
  local ratio; ratio=$(python3 -c "print(f'{($n / $o) if $3 else ($o / $n):.2f}')")
  echo "RESULT $1 old=$o new=$n $2 ratio_new_over_old=$ratio rounds=$ROUNDS"
}
echo "COMPARE old=$OLD new=$(git rev-parse --short HEAD)"
report drain_pg jobs/s 1
report drain_sqlite jobs/s 1
report latency_p99 ms 0
report load_postgres s 0
report load_sqlite s 0
report auth_p50 ms 0
echo "RESULT auth_ratio(auth/bare p50) old=$(median ${R[auth_ratio_old]}) new=$(median ${R[auth_ratio_new]})"
