#!/usr/bin/env bash
# Mutation testing (Stryker.NET, pinned in .config/dotnet-tools.json) of the pure projects, one at a time.
#
#   scripts/mutation.sh                 every pure project: Core, Ingestion's Readers/ + Detection/, and
#                                       when they have a test project Sessions' Captions/, Summaries/ and
#                                       TranscriptReader, and Workers
#   scripts/mutation.sh Core            one project, by short name (Core, Ingestion, Sessions, Workers…)
#   scripts/mutation.sh src/Conveyor.Sessions [--mutate '**/Summaries/**/*.cs']
#                                       any project by path; arguments after it go to Stryker as they are
#
# Each project's tests are the ones in tests/<Project>.Tests. Reports go to .mutation/<project>/ (HTML and JSON);
# the script ends with a score table and exits non-zero when a project is under its bar (Core 90%, the rest 80%).
# CPU-heavy: on a shared machine run it under a lock (flock /work/bench.lock scripts/mutation.sh Core).
# Not part of ./test.sh. STRYKER_CONCURRENCY sets Stryker's parallel test runs (default 1).
set -euo pipefail
set -f # Stryker's --mutate globs are for Stryker, not the shell
cd "$(dirname "$0")/.."
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '\033[1m[mutation]\033[0m %s\n' "$*" >&2; }

if ! command -v jq >/dev/null; then
    log "installing jq (reads Stryker's JSON report)"
    apt-get update -qq && apt-get install -y -qq jq >/dev/null
fi
# Installs the pinned dotnet-stryker when it is missing (a no-op when it is there).
dotnet tool restore >/dev/null

# name -> "src dir|bar|stryker arguments"
target() {
    case "$1" in
        Core | Conveyor.Core | src/Conveyor.Core) echo "src/Conveyor.Core|90|" ;;
        Ingestion | Conveyor.Ingestion | src/Conveyor.Ingestion)
            echo "src/Conveyor.Ingestion|80|--mutate **/Readers/**/*.cs --mutate **/Detection/**/*.cs" ;;
        # Its pure parts: captions, summaries and transcript reading (the engines run programs and servers).
        Sessions | Conveyor.Sessions | src/Conveyor.Sessions)
            echo "src/Conveyor.Sessions|80|--mutate **/Captions/**/*.cs --mutate **/Summaries/**/*.cs --mutate **/TranscriptReader.cs --test-case-filter FullyQualifiedName!~EngineTests" ;;
        *)
            local dir=${1%/}
            [[ $dir == *.csproj ]] && dir=$(dirname "$dir")
            [[ -d $dir ]] || dir=src/Conveyor.${1#Conveyor.}
            [[ -d $dir ]] || { log "no project $1 (looked for $dir)"; return 1; }
            echo "$dir|80|"
            ;;
    esac
}

declare -a names=()
declare -a extra=()
while (($#)); do
    if [[ ${#names[@]} -gt 0 && $1 == -* ]]; then extra=("$@"); break; fi
    names+=("$1")
    shift
done
if ((${#names[@]} == 0)); then
    names=(Core Ingestion)
    for optional in Sessions Workers; do
        [[ -d src/Conveyor.$optional && -d tests/Conveyor.$optional.Tests ]] && names+=("$optional")
    done
fi

rows=()
status=0
for name in "${names[@]}"; do
    spec=$(target "$name")
    IFS='|' read -r src bar args <<<"$spec"
    # --mutate given on the command line replaces the project's own (a narrower run while iterating).
    if [[ " ${extra[*]-} " == *" --mutate "* || " ${extra[*]-} " == *" -m "* ]]; then
        args=$(sed -E 's/--mutate [^ ]+ ?//g' <<<"$args")
    fi
    project=$(basename "$src")
    tests=tests/$project.Tests
    [[ -f $tests/$project.Tests.csproj ]] || { log "no test project $tests/$project.Tests.csproj for $project"; exit 2; }
    out=$root/.mutation/$project
    rm -rf "$out"
    log "$project: mutating $src${args:+ ($args)}, testing with $tests"
    # shellcheck disable=SC2086 # $args holds separate Stryker options
    (cd "$tests" && dotnet tool run dotnet-stryker --project "$project.csproj" --output "$out" \
        --reporter json --reporter html --reporter progress --concurrency "${STRYKER_CONCURRENCY:-1}" \
        $args "${extra[@]}") >&2
    report=$out/reports/mutation-report.json
    [[ -f $report ]] || { log "$project: Stryker wrote no report"; exit 2; }
    # killed | timeout | survived | no coverage | score; ignored and compile errors are not mutants that ran.
    counts=$(jq -r '[.files[].mutants[].status] as $s
        | def n(x): [$s[] | select(. == x)] | length;
        [n("Killed"), n("Timeout"), n("Survived"), n("NoCoverage")] | @tsv' "$report")
    read -r killed timeout survived nocov <<<"$counts"
    total=$((killed + timeout + survived + nocov))
    score=$(awk -v d=$((killed + timeout)) -v t=$total 'BEGIN { printf "%.1f", t ? 100 * d / t : 100 }')
    awk -v s="$score" -v b="$bar" 'BEGIN { exit !(s + 0 >= b) }' || status=1
    parts=$(grep -o -e '--mutate [^ ]*' <<<"$args" | sed 's/--mutate //; s#\*\*/##g; s#\*\.cs##' | paste -sd, - | sed 's/,/, /g' || true)
    rows+=("$(printf '| %s%s | %s | %s | %s | %s | %s%% | %s%% |' "$project" "${parts:+ ($parts)}" \
        "$killed" "$timeout" "$survived" "$nocov" "$score" "$bar")")
    log "$project: survivors and mutants no test covers:"
    jq -r '.files | to_entries[] | .key as $f | .value.mutants[]
        | select(.status == "Survived" or .status == "NoCoverage")
        | "  \($f | sub(".*/src/"; "src/")):\(.location.start.line) \(.status) \(.mutatorName): \(.replacement // "" | gsub("\n"; " ") | .[0:90])"' \
        "$report" >&2
done

version=$(jq -r '.tools["dotnet-stryker"].version' .config/dotnet-tools.json)
echo
echo "Mutation scores, $(date -u +%Y-%m-%d), dotnet-stryker $version:"
echo
echo "| project | killed | timeout | survived | no coverage | score | bar |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
exit $status
