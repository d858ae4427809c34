#!/usr/bin/env bash
# A scaled-out Conveyor on one machine: a throwaway PostgreSQL and redis-server, 2 API nodes (serve --workers 0) and
# worker processes of the built app on free loopback ports, sharing one data directory; stopped on exit.
#   bench/cluster/cluster.sh up [JOBS] [RATE]   the cluster (2 API nodes, 3 workers x 8), a bounded load of JOBS jobs
#                                               (default 2000) at RATE/s (default 200) through both API nodes, then a summary
#   bench/cluster/cluster.sh drain [ROUNDS]     20,000 noop jobs drained by 3 processes x 8 workers against 1 x 24, alternating
#                                               round by round on the same cluster (each shape warmed on 2,000 jobs first, the
#                                               20,000 queued paused and released by one resume); jobs/s, the ratio, and the CPU
#                                               seconds of each worker process, of PostgreSQL and of the whole box, and the
#                                               statements each drain sent (pg_stat_statements: claims, completions, jobs per each)
#   bench/cluster/cluster.sh get [ROUNDS] [SECS]  GET /api/v1/jobs/{id} through both API nodes at 128 connections (wrk -c64 on
#                                               each at once) against a constant MapGet on the same two node processes
# Benchmarks only under the bench lock: flock /work/bench.lock bench/cluster/cluster.sh drain 3
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
LOG_NAME=cluster
. scripts/throwaway-postgres.sh
command -v redis-server >/dev/null || apt_install redis-server
command -v curl >/dev/null || apt_install curl
WORK=$(mktemp -d /tmp/conveyor-cluster.XXXXXX)
PIDS=()
REDIS_PID=""
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -z "$REDIS_PID" ] || kill "$REDIS_PID" 2>/dev/null || true
  pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

what=${1:-up}
log "building the app"
dotnet build src/Conveyor -c Release -nologo -v quiet -o "$WORK/bin" >/dev/null
# pg_stat_statements counts what each drain sends (bench/cluster/cluster.sh drain prints it per round).
pg_start shared_preload_libraries=pg_stat_statements
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres conveyor
DB_URI="postgresql://postgres@127.0.0.1:$PG_PORT/conveyor"
"$PG_BIN/psql" -qtA "$DB_URI" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
KEY=$(dotnet "$WORK/bin/conveyor.dll" keys generate | tail -n 1)
mkdir -p "$WORK/data"
export Conveyor__Database__Provider=postgres
export ConnectionStrings__Conveyor="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=conveyor;Maximum Pool Size=40"
export Conveyor__Redis__Configuration="127.0.0.1:$REDIS_PORT"
export Conveyor__DataDirectory="$WORK/data" Conveyor__Auth__BootstrapAdminKey="$KEY" Logging__LogLevel__Default=Warning
dotnet "$WORK/bin/conveyor.dll" migrate >/dev/null

sql() { "$PG_BIN/psql" -qtA "$DB_URI" -c "$1"; }
API=()
start_api() { # port
  dotnet "$WORK/bin/conveyor.dll" serve --workers 0 --urls "http://127.0.0.1:$1" >"$WORK/api-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$1/health/ready" >/dev/null && { API+=("http://127.0.0.1:$1"); return; }; sleep 0.2; done
  cat "$WORK/api-$1.log"; exit 1
}
WORKERS=()
start_worker() { # workers
  dotnet "$WORK/bin/conveyor.dll" worker --workers "$1" >"$WORK/worker-$RANDOM.log" 2>&1 &
  PIDS+=($!); WORKERS+=($!)
}
stop_workers() {
  for pid in "${WORKERS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${WORKERS[@]}"; do wait "$pid" 2>/dev/null || true; done
  WORKERS=()
}
cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; } # user + system ticks
# This cluster's PostgreSQL only (other clusters run on the box): the postmaster with the backends it has reaped
# (cutime + cstime), and those still alive.
pg_cpu() {
  local master t pid
  master=$(head -n 1 "$PG_RUN_DIR/pg/postmaster.pid")
  t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$master/stat")
  for pid in $(pgrep -P "$master"); do t=$((t + $(cpu "$pid"))); done
  echo "$t"
}
enqueue() { # count, via the API nodes in batches of 1,000
  local i node body
  body=$(python3 -c "import json; print(json.dumps({'jobs': [{'type': 'noop'}] * 1000}))")
  for ((i = 0; i < $1 / 1000; i++)); do
    node=${API[$((i % ${#API[@]}))]}
    curl -sf -o /dev/null -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d "$body" "$node/api/v1/jobs/batch"
  done
}

NODES=()
start_node() { # port: an API node with the bare baseline route beside the API (Conveyor.StatusBench node)
  dotnet "$WORK/node-bin/Conveyor.StatusBench.dll" node --bare-payload "$WORK/payload.json" --Conveyor:Workers:Count=0 \
    --urls "http://127.0.0.1:$1" >"$WORK/node-$1.log" 2>&1 &
  PIDS+=($!); NODES+=($!)
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$1/health/ready" >/dev/null && { API+=("http://127.0.0.1:$1"); return; }; sleep 0.2; done
  cat "$WORK/node-$1.log"; exit 1
}

if [ "$what" != get ]; then
  start_api "$(free_port)"
  start_api "$(free_port)"
  log "API nodes: ${API[*]}"
fi

if [ "$what" = up ]; then
  jobs=${2:-2000}; rate=${3:-200}
  for _ in 1 2 3; do start_worker 8; done
  log "load: $jobs jobs at $rate/s through ${#API[@]} API nodes"
  python3 bench/cluster/load.py --key "$KEY" --jobs "$jobs" --rate "$rate" "${API[@]}"
  for _ in $(seq 600); do [ "$(sql "SELECT count(*) FROM jobs WHERE status IN ('queued','running')")" = 0 ] && break; sleep 0.5; done
  sql "SELECT type, status, count(*) FROM jobs GROUP BY 1, 2 ORDER BY 1, 2"
  curl -s "${API[0]}/metrics" | grep -E '^conveyor_(jobs|queue_depth|claim_duration_seconds_count)' || true
  exit 0
fi

if [ "$what" = drain ]; then
  rounds=${2:-3}
  declare -A RATE
  api() { curl -sf -o /dev/null -X "$1" -H "X-Api-Key: $KEY" "${API[0]}$2"; }
  succeeded() { sql "SELECT count(*) FROM jobs WHERE status = 'succeeded'"; }
  box_cpu() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; } # every process on the box, user + system
  secs() { python3 -c "print(f'{$1 / $(getconf CLK_TCK):.1f}')"; }
  drain_once() { # processes workers-each
    sql "SET client_min_messages = warning; TRUNCATE jobs CASCADE" >/dev/null
    local n pid
    for ((n = 0; n < $1; n++)); do start_worker "$2"; done
    # Warm-up, untimed: the processes start, JIT their claim and completion paths and fill their pools on 2,000 jobs.
    enqueue 2000
    while [ "$(succeeded)" != 2000 ]; do sleep 0.1; done
    # The timed drain: 20,000 jobs queued while the type is paused, all released at once by the resume (a NOTIFY).
    api POST /api/v1/types/noop/pause
    enqueue 20000
    sql "CHECKPOINT" >/dev/null
    local pg0 box0 t0 t1 pg1 box1 w0=() w1=()
    for pid in "${WORKERS[@]}"; do w0+=("$(cpu "$pid")"); done
    pg0=$(pg_cpu); box0=$(box_cpu)
    sql "SELECT pg_stat_statements_reset()" >/dev/null
    t0=$(date +%s.%N)
    api POST /api/v1/types/noop/resume
    while [ "$(succeeded)" != 22000 ]; do sleep 0.05; done
    t1=$(date +%s.%N)
    pg1=$(pg_cpu); box1=$(box_cpu)
    for pid in "${WORKERS[@]}"; do w1+=("$(cpu "$pid")"); done
    # What the drain sent to this database, by kind: every statement (without Npgsql's pooled-connection resets and
    # the counters' own polling), the claims and the jobs each brought, the completions' transactions (their locking
    # read) and the jobs each wrote.
    local statements
    statements=$(sql "SELECT 'statements=' || sum(calls) || ' claims=' || sum(calls) FILTER (WHERE query LIKE '%claimed AS%')
        || ' jobs_per_claim=' || round(sum(rows) FILTER (WHERE query LIKE '%claimed AS%') / greatest(sum(calls) FILTER (WHERE query LIKE '%claimed AS%'), 1))
        || ' completions=' || coalesce(sum(calls) FILTER (WHERE query LIKE 'SELECT %FROM jobs%WHERE id = ANY(\$1)%FOR UPDATE'), 0)
        || ' jobs_per_completion=' || round(coalesce(sum(rows) FILTER (WHERE query LIKE 'SELECT %FROM jobs%WHERE id = ANY(\$1)%FOR UPDATE'), 0)
             / greatest(sum(calls) FILTER (WHERE query LIKE 'SELECT %FROM jobs%WHERE id = ANY(\$1)%FOR UPDATE'), 1))
      FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = 'conveyor' AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE 'SELECT count(*) FROM jobs WHERE status%'
        AND query NOT IN ('UNLISTEN *','SET SESSION AUTHORIZATION DEFAULT','RESET ALL','CLOSE ALL','DISCARD SEQUENCES',
                          'SELECT pg_advisory_unlock_all()','DISCARD TEMP')")
    local per=() total=0
    for ((n = 0; n < ${#WORKERS[@]}; n++)); do per+=("$(secs $((w1[n] - w0[n])))"); total=$((total + w1[n] - w0[n])); done
    stop_workers
    local rate; rate=$(python3 -c "print(f'{20000 / ($t1 - $t0):.0f}')")
    RATE[$1x$2]="${RATE[$1x$2]:-} $rate"
    echo "ROUND shape=$1x$2 jobs_per_sec=$rate seconds=$(python3 -c "print(f'{$t1 - $t0:.2f}')") worker_cpu_s=$(secs $total)" \
      "per_process_cpu_s=$(IFS=,; echo "${per[*]}") postgres_cpu_s=$(secs $((pg1 - pg0))) box_cpu_s=$(secs $((box1 - box0))) $statements"
  }
  for round in $(seq "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then drain_once 3 8; drain_once 1 24; else drain_once 1 24; drain_once 3 8; fi
  done
  median() { python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.0f}')" "$@"; }
  m3=$(median ${RATE[3x8]}); m1=$(median ${RATE[1x24]})
  echo "RESULT bench=cluster-drain jobs=20000 three_by_eight=$m3 one_by_twentyfour=$m1 ratio=$(python3 -c "print(f'{$m3 / $m1:.2f}')") rounds=$rounds"
fi

if [ "$what" = get ]; then
  # GET /api/v1/jobs/{id} through both API nodes at 128 connections (one wrk of 64 on each, at the same time) against
  # GET /bare/jobs/{id} on the same two node processes (Conveyor.StatusBench node: the server plus a constant MapGet).
  rounds=${2:-3}; seconds=${3:-10}
  command -v wrk >/dev/null || apt_install wrk
  dotnet build bench/Conveyor.StatusBench -c Release -nologo -v quiet -o "$WORK/node-bin" >/dev/null
  export Conveyor__Auth__RequestsPerKeyPerSecond=10000000
  for _ in 1 2; do start_node "$(free_port)"; done
  log "API nodes (with the bare route): ${API[*]}"
  id=$(curl -sf -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"type":"noop"}' "${API[0]}/api/v1/jobs" \
    | python3 -c "import json, sys; print(json.load(sys.stdin)['id'])")
  curl -sf -H "X-Api-Key: $KEY" -o "$WORK/payload.json" "${API[0]}/api/v1/jobs/$id"
  both() { # path header-args… : req/s summed over the two nodes, wrk on each at once
    local path=$1; shift
    local i pids=()
    for i in 0 1; do wrk -t1 -c64 -d"${seconds}s" "$@" "${API[$i]}$path" >"$WORK/wrk-$i.txt" & pids+=($!); done
    wait "${pids[@]}"
    if grep -q Non-2xx "$WORK"/wrk-*.txt; then cat "$WORK"/wrk-*.txt >&2; exit 1; fi
    awk '/Requests\/sec/ {s += $2} END {printf "%.0f", s}' "$WORK"/wrk-*.txt
  }
  declare -a JOB BARE RATIO
  both "/api/v1/jobs/$id" -H "X-Api-Key: $KEY" >/dev/null # warm-up: JIT tiers, pools
  both "/bare/jobs/$id" >/dev/null
  for round in $(seq "$rounds"); do
    pg0=$(pg_cpu); n0=$(( $(cpu "${NODES[0]}") + $(cpu "${NODES[1]}") ))
    if [ $((round % 2)) -eq 1 ]; then j=$(both "/api/v1/jobs/$id" -H "X-Api-Key: $KEY"); b=$(both "/bare/jobs/$id")
    else b=$(both "/bare/jobs/$id"); j=$(both "/api/v1/jobs/$id" -H "X-Api-Key: $KEY"); fi
    JOB+=("$j"); BARE+=("$b"); RATIO+=("$(python3 -c "print(f'{$j / $b:.3f}')")")
    echo "ROUND get=$j bare=$b ratio=${RATIO[-1]} node_cpu_s=$(( ($(cpu "${NODES[0]}") + $(cpu "${NODES[1]}") - n0) / $(getconf CLK_TCK) )) postgres_cpu_s=$(( ($(pg_cpu) - pg0) / $(getconf CLK_TCK) ))"
  done
  median() { python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
  echo "RESULT bench=cluster-get nodes=2 connections=128 get_rps=$(median "${JOB[@]}") bare_rps=$(median "${BARE[@]}") ratio=$(median "${RATIO[@]}") rounds=$rounds seconds=$seconds payload_bytes=$(wc -c <"$WORK/payload.json")"
fi
