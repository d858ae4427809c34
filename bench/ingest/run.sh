#!/usr/bin/env bash
# Ingestion benchmarks, each a ratio against a baseline measured in the same run:
#   load     1,000,000-row 8-column CSV: upload -> succeeded, vs psql \copy (PostgreSQL) and sqlite3 .import (SQLite);
#            each round starts a server, whose first load (no warm-up, into a new dataset) and a repeat are timed
#   rss      peak RSS of the serving process while loading a ~100 MB and a ~1 GiB CSV (PostgreSQL and SQLite)
#   upload   1 GiB upload to a stored, queued job vs a bare ASP.NET Core endpoint copying the body to a file
# Usage: bench/ingest/run.sh [load|rss|upload]...   (default: all). Needs ~6 GiB free for rss/upload.
set -euo pipefail
shopt -s inherit_errexit   # a failed step inside $(…) stops the run instead of timing nothing
cd "$(dirname "$0")/../.."
LOG_NAME=bench-ingest
. scripts/throwaway-postgres.sh
command -v sqlite3 >/dev/null || apt_install sqlite3
command -v curl >/dev/null || apt_install curl
WORK=$(mktemp -d /work/bench-ingest.XXXXXX 2>/dev/null || mktemp -d)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; pg_stop; rm -rf "$WORK"; }
trap cleanup EXIT
pg_start
dotnet build src/Conveyor -c Release -nologo -v quiet >/dev/null
dotnet build bench/ingest/BareUpload -c Release -nologo -v quiet >/dev/null
CONVEYOR=src/Conveyor/bin/Release/net10.0/conveyor.dll
# The bench's own admin key, taken as the bootstrap key of each fresh server (random per run, never a default).
KEY=$(python3 -c "import secrets, string; a = string.ascii_letters + string.digits; print('cvk_' + ''.join(secrets.choice(a) for _ in range(8)) + '_' + ''.join(secrets.choice(a) for _ in range(32)))")
AUTH=(-H "X-Api-Key: $KEY")
now() { date +%s.%N; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
ratios() { # baseline-array-name ours-array-name: the per-round ratios
  local -n base=$1 mine=$2; local i out=()
  for i in "${!base[@]}"; do out+=("$(ratio "${base[$i]}" "${mine[$i]}")"); done
  echo "${out[*]}"
}
median() { python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" "$@"; }

make_csv() { # rows path
  awk -v n="$1" 'BEGIN { print "id,name,email,city,amount,active,created,note";
    for (i = 1; i <= n; i++) printf "%d,name %d,user%d@example.org,city %d,%.2f,%s,2026-01-%02d,\"note, %d with a comma\"\n",
      i, i, i, i % 977, i * 1.37, (i % 2 ? "true" : "false"), i % 28 + 1, i }' > "$2"
}

start_server() { # provider data-dir [connection] [more server arguments…]
  local args=(--urls http://127.0.0.1:5599 --Conveyor:DataDirectory="$2" --Conveyor:Database:Provider="$1" --Conveyor:Workers:Count=2
    --Conveyor:Uploads:MaxFileBytes=2147483648 --Conveyor:Uploads:MaxRequestBytes=4294967296 --Conveyor:Auth:BootstrapAdminKey="$KEY" --Logging:LogLevel:Default=Warning)
  [ -n "${3:-}" ] && args+=(--ConnectionStrings:Conveyor="$3")
  args+=("${@:4}")
  # Another server on the port would answer the readiness probe and take the uploads: refuse to measure it.
  if (exec 3<>/dev/tcp/127.0.0.1/5599) 2>/dev/null; then log "port 5599 is taken; stop what listens there"; exit 1; fi
  dotnet "$CONVEYOR" serve "${args[@]}" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:5599/health/ready >/dev/null && return; sleep 0.2; done
  cat "$WORK/server.log"; exit 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# Uploads the file and waits for its job to succeed; prints the seconds from the start of the upload to the job's
# completed_at (same machine, same clock). Timing by the job's own timestamp lets the poll be slow: a curl every
# 50 ms cost the server under test a good part of a core on this 2-core box.
upload_and_load() { # file [dataset]
  local t0 id status
  t0=$(now)
  id=$(curl -sf "${AUTH[@]}" -F "dataset=${2:-bench}" -F "file=@$1;filename=bench.csv" http://127.0.0.1:5599/api/v1/upload \
    | grep -o '"ids":\["[0-9a-f-]*"' | cut -d'"' -f4)
  [ -n "$id" ] || { log "the upload of $1 failed"; exit 1; }
  while :; do
    status=$(curl -sf "${AUTH[@]}" http://127.0.0.1:5599/api/v1/jobs/$id | grep -o '"status":"[a-z]*"' | cut -d'"' -f4)
    case "$status" in succeeded*) break ;; failed*|cancelled*) echo "job $id: $status" >&2; exit 1 ;; esac
    sleep 0.5
  done
  curl -sf "${AUTH[@]}" http://127.0.0.1:5599/api/v1/jobs/$id | python3 bench/ingest/job_split.py "$t0"
}

bench_load() {
  make_csv 1000000 "$WORK/1m.csv"
  log "1m.csv: $(du -h "$WORK/1m.csv" | cut -f1)"
  # PostgreSQL. Each round: the baseline, then a server started for the round on a database of its own, whose first
  # load (no warm-up: the case a user meets, a new file into a new dataset on a process that has just started) and a
  # repeat load into the same dataset are timed. Rounds alternate between the baseline and Conveyor so that a busy
  # moment on the shared box falls on both; before each measurement the cluster is quiesced (VACUUM of what the last
  # one wrote, CHECKPOINT), so that neither pays for the other's autovacuum or dirty buffers.
  local t0 round db conn uri copy=() ours=() repeat=()
  for round in 1 2 3 4 5; do
    db="bench_${$}_$round"
    "$PG_BIN/psql" -q "$PG_URI" -c "CREATE DATABASE $db"
    conn="${PG_CONNECTION/Database=postgres/Database=$db}"; uri="${PG_URI%/*}/$db"
    quiesce() { "$PG_BIN/psql" -q "$uri" -c "VACUUM" -c "CHECKPOINT"; }
    "$PG_BIN/psql" -q "$uri" -c "CREATE TABLE copy_baseline (id bigint, name text, email text, city text, amount numeric, active boolean, created date, note text)"
    quiesce
    t0=$(now); "$PG_BIN/psql" -q "$uri" -c "\\copy copy_baseline FROM '$WORK/1m.csv' WITH (FORMAT csv, HEADER true)"
    copy+=("$(python3 -c "print(f'{$(now) - $t0:.2f}')")")
    "$PG_BIN/psql" -q "$uri" -c "DROP TABLE copy_baseline"; quiesce
    start_server postgres "$WORK/data-pg" "$conn"
    ours+=("$(upload_and_load "$WORK/1m.csv" "fresh_$round")")
    quiesce
    repeat+=("$(upload_and_load "$WORK/1m.csv" "fresh_$round")")
    stop_server; rm -rf "$WORK/data-pg"; "$PG_BIN/psql" -q "$PG_URI" -c "DROP DATABASE $db"
    log "PostgreSQL round $round: psql \\copy ${copy[-1]}s, Conveyor upload->succeeded first load (new dataset, fresh process) ${ours[-1]}s, repeat ${repeat[-1]}s"
  done
  local copy_s ours_pg repeat_pg; copy_s=$(median "${copy[@]}"); ours_pg=$(median "${ours[@]}"); repeat_pg=$(median "${repeat[@]}")
  # SQLite: .import into a fresh database each round, against a server started for the round on a fresh data directory.
  local import=() ours_sqlite=() repeat_sqlite=()
  for round in 1 2 3 4 5; do
    rm -f "$WORK/import.db"*
    t0=$(now); sqlite3 "$WORK/import.db" -cmd "PRAGMA journal_mode=WAL" -cmd "PRAGMA synchronous=FULL" ".import --csv $WORK/1m.csv import_baseline" >/dev/null
    import+=("$(python3 -c "print(f'{$(now) - $t0:.2f}')")")
    rm -f "$WORK/import.db"*
    start_server sqlite "$WORK/data-sq"
    ours_sqlite+=("$(upload_and_load "$WORK/1m.csv" "fresh_$round")")
    repeat_sqlite+=("$(upload_and_load "$WORK/1m.csv" "fresh_$round")")
    stop_server; rm -rf "$WORK/data-sq"
    log "SQLite round $round: sqlite3 .import ${import[-1]}s, Conveyor upload->succeeded first load (new dataset, fresh process) ${ours_sqlite[-1]}s, repeat ${repeat_sqlite[-1]}s"
  done
  local import_s ours_sq repeat_sq; import_s=$(median "${import[@]}"); ours_sq=$(median "${ours_sqlite[@]}"); repeat_sq=$(median "${repeat_sqlite[@]}")
  echo "load postgres copy=${copy_s}s first-load (new dataset, fresh process)=${ours_pg}s ratio=$(ratio "$copy_s" "$ours_pg") rounds=($(ratios copy ours)); repeat-load=${repeat_pg}s ratio=$(ratio "$copy_s" "$repeat_pg") rounds=($(ratios copy repeat)) (medians of 5 alternating rounds)"
  echo "load sqlite import=${import_s}s first-load (new dataset, fresh process)=${ours_sq}s ratio=$(ratio "$import_s" "$ours_sq") rounds=($(ratios import ours_sqlite)); repeat-load=${repeat_sq}s ratio=$(ratio "$import_s" "$repeat_sq") rounds=($(ratios import repeat_sqlite)) (medians of 5 alternating rounds)"
  rm -f "$WORK/1m.csv"
}

peak_rss_mb() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }

bench_rss() {
  local rows provider
  for rows in 1000000 10000000; do
    make_csv "$rows" "$WORK/rss.csv"
    for provider in postgres sqlite; do
      if [ "$provider" = postgres ]; then
        local db="rss_${rows}_$$" conn
        "$PG_BIN/psql" -q "$PG_URI" -c "CREATE DATABASE $db"
        conn="${PG_CONNECTION/Database=postgres/Database=$db}"
        start_server postgres "$WORK/data-rss" "$conn"
      else
        start_server sqlite "$WORK/data-rss"
      fi
      local s; s=$(upload_and_load "$WORK/rss.csv")
      echo "rss $provider rows=$rows size=$(du -m "$WORK/rss.csv" | cut -f1)MB seconds=$s peak_rss=$(peak_rss_mb)MB"
      stop_server
      rm -rf "$WORK/data-rss"
      [ "$provider" = postgres ] && "$PG_BIN/psql" -q "$PG_URI" -c "DROP DATABASE $db"
    done
    rm -f "$WORK/rss.csv"
  done
}

# Uploads $1 to $2 with curl -F (plus any further curl arguments); prints seconds.
time_upload() {
  local file=$1 url=$2 t0; shift 2
  t0=$(now); curl -sf "$@" -F "file=@$file;filename=1g.csv" "$url" >/dev/null
  python3 -c "print(f'{$(now) - $t0:.2f}')"
}

bench_upload() {
  # 1 GiB of two-column CSV (a row number and 100 base64 characters). awk reads to the end and stops printing
  # at 1 GiB: closing the pipe early would fail the run under pipefail.
  head -c 800000000 /dev/urandom | base64 -w 100 \
    | awk 'BEGIN { print "a,b"; n = 4 } { n += length($0) + length(NR) + 2; if (n <= 1073741824) print NR "," $0 }' > "$WORK/1g.csv"
  dotnet bench/ingest/BareUpload/bin/Release/net10.0/BareUpload.dll "$WORK/bare" >"$WORK/bare.log" 2>&1 &
  local bare_pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:5598/ >/dev/null 2>&1 && break; sleep 0.2; done
  # Workers off: the figure is the upload to a stored, queued job, not a load racing the next upload for the disk.
  start_server sqlite "$WORK/data-up" "" --Conveyor:Workers:Count=0
  # Rounds alternate between the two servers so that a busy moment on the shared box falls on both.
  local bare=() ours=() round
  for round in 1 2 3; do
    bare+=("$(time_upload "$WORK/1g.csv" http://127.0.0.1:5598/upload)"); rm -rf "$WORK/bare"/*
    ours+=("$(time_upload "$WORK/1g.csv" http://127.0.0.1:5599/api/v1/upload "${AUTH[@]}")"); rm -rf "$WORK/data-up/uploads"/*
    log "upload round $round: bare ${bare[-1]}s, Conveyor ${ours[-1]}s"
  done
  kill $bare_pid; stop_server
  local bare_s ours_s; bare_s=$(median "${bare[@]}"); ours_s=$(median "${ours[@]}")
  echo "upload bare=${bare_s}s conveyor=${ours_s}s ratio=$(ratio "$bare_s" "$ours_s") (medians of 3 alternating rounds)"
  rm -rf "$WORK/1g.csv" "$WORK/data-up" "$WORK/bare"
}

for what in "${@:-load rss upload}"; do for w in $what; do "bench_$w"; done; done
