#!/usr/bin/env bash
# The drain alone, an old commit against this tree, alternating round by round on one throwaway PostgreSQL cluster
# (bench/compare.sh does the same for every benchmark, with 1,000,000-row loads; this is the quick one for a change
# to the claim): 20,000 noop jobs, 16 workers, PostgreSQL and SQLite; medians and new/old ratios.
# Usage: flock /work/bench.lock bench/drain-ab.sh OLD_COMMIT [ROUNDS]
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
OLD=${1:?old commit}
ROUNDS=${2:-3}
LOG_NAME=drain-ab
. bench/ab-lib.sh
declare -A R
add() { R[$1]="${R[$1]:-} $2"; }
field() { grep -o "$2=[0-9.]*" <<<"$1" | head -n 1 | cut -d= -f2; }
median() { python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.0f}')" "$@"; }
measure() {
  local out
  for provider in postgres sqlite; do
    out=$(dotnet "$WORK/$1-bin/Conveyor.Bench.dll" drain --provider "$provider" --jobs 20000 --workers 16 | grep RESULT)
    add "${provider}_$1" "$(field "$out" jobs_per_sec)"
    log "$1 $provider: $(field "$out" jobs_per_sec) jobs/s"
  done
}
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then measure old; measure new; else measure new; measure old; fi
done
for provider in postgres sqlite; do
  o=$(median ${R[${provider}_old]}); n=$(median ${R[${provider}_new]})
  echo "RESULT drain_$provider old=$o new=$n jobs/s ratio_new_over_old=$(python3 -c "print(f'{$n / $o:.2f}')") rounds=$ROUNDS old_commit=$OLD new_commit=$(git rev-parse --short HEAD)"
done
