#!/usr/bin/env bash
# The first 1M-row load after a 100k warm-up, by JIT setting: each round starts a fresh server (its own database)
# per setting, in turn, so a busy moment on the shared box falls on every setting. PostgreSQL; prints per round the
# seconds to ready, and the "ran" span (started_at to completed_at) of the warm-up, the first and second 1M-row
# loads (each into a new dataset) and a repeat into the warm-up's dataset.
# Usage: bench/ingest/first-load.sh   (run it under flock /work/bench.lock on a shared machine)
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_NAME=first-load
. scripts/throwaway-postgres.sh
WORK=$(mktemp -d /tmp/first-load.XXXXXX)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; pg_stop; rm -rf "$WORK"; }
trap cleanup EXIT
pg_start
dotnet build src/Conveyor -c Release -nologo -v quiet >/dev/null
CONVEYOR=src/Conveyor/bin/Release/net10.0/conveyor.dll
KEY=$(python3 -c "import secrets, string; a = string.ascii_letters + string.digits; print('cvk_' + ''.join(secrets.choice(a) for _ in range(8)) + '_' + ''.join(secrets.choice(a) for _ in range(32)))")
AUTH=(-H "X-Api-Key: $KEY")
now() { date +%s.%N; }
make_csv() { awk -v n="$1" 'BEGIN { print "id,name,email,city,amount,active,created,note";
    for (i = 1; i <= n; i++) printf "%d,name %d,user%d@example.org,city %d,%.2f,%s,2026-01-%02d,\"note, %d with a comma\"\n",
      i, i, i, i % 977, i * 1.37, (i % 2 ? "true" : "false"), i % 28 + 1, i }' > "$2"; }
ran() {
  local id status
  id=$(curl -sf "${AUTH[@]}" -F "dataset=$2" -F "file=@$1;filename=bench.csv" http://127.0.0.1:5597/api/v1/upload | grep -o '"ids":\["[0-9a-f-]*"' | cut -d'"' -f4)
  while :; do status=$(curl -sf "${AUTH[@]}" http://127.0.0.1:5597/api/v1/jobs/$id | grep -o '"status":"[a-z]*"' | cut -d'"' -f4)
    case "$status" in succeeded*) break ;; failed*|cancelled*) echo "job $id: $status" >&2; exit 1 ;; esac; sleep 0.3; done
  curl -sf "${AUTH[@]}" http://127.0.0.1:5597/api/v1/jobs/$id | python3 -c "
import json,sys; from datetime import datetime
j=json.load(sys.stdin); at=lambda k: datetime.fromisoformat(j[k].replace('Z','+00:00')).timestamp()
print(f'{at(\"completed_at\")-at(\"started_at\"):.2f}')"
}
make_csv 100000 "$WORK/warm.csv"; make_csv 1000000 "$WORK/1m.csv"
n=0
for round in 1 2 3; do
  for cfg in NONE=1 DOTNET_TC_QuickJit=0 DOTNET_TieredCompilation=0; do
    n=$((n+1)); db="fl_$n"; "$PG_BIN/psql" -q "$PG_URI" -c "CREATE DATABASE $db"; conn="${PG_CONNECTION/Database=postgres/Database=$db}"
    t0=$(now)
    env "$cfg" dotnet "$CONVEYOR" serve --urls http://127.0.0.1:5597 --Conveyor:DataDirectory="$WORK/data$n" --Conveyor:Database:Provider=postgres --ConnectionStrings:Conveyor="$conn" \
      --Conveyor:Workers:Count=2 --Conveyor:Uploads:MaxFileBytes=2147483648 --Conveyor:Auth:BootstrapAdminKey="$KEY" --Logging:LogLevel:Default=Warning >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 200); do curl -sf http://127.0.0.1:5597/health/ready >/dev/null && break; sleep 0.1; done
    ready=$(python3 -c "print(f'{$(now) - $t0:.2f}')")
    w=$(ran "$WORK/warm.csv" bench); a=$(ran "$WORK/1m.csv" fresh_1); b=$(ran "$WORK/1m.csv" fresh_2); c=$(ran "$WORK/1m.csv" bench)
    echo "round $round $cfg: ready ${ready}s warm-up ${w}s first ${a}s second ${b}s repeat ${c}s"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; rm -rf "$WORK/data$n"
  done
done
