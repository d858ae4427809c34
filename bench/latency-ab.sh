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
. bench/ab-lib.sh
m() { "$PG_BIN/psql" -q "$PG_URI" -c CHECKPOINT; echo "$1 $(dotnet "$WORK/$1-bin/Conveyor.Bench.dll" latency --provider postgres --rate 200 --seconds 10 --workers 16 | grep RESULT)"; }
for r in $(seq "$ROUNDS"); do if [ $((r % 2)) -eq 1 ]; then m old; m new; else m new; m old; fi; done
