#!/usr/bin/env bash
# Runs every test against SQLite and a throwaway PostgreSQL cluster.
# Installs what the tests need when it is missing (as root, from Debian's packages), starts the
# servers on free loopback ports in a temp dir, and stops them on exit, failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\033[1m[test.sh]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to install: $*"; exit 1; fi
}

apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then apt_install postgresql; fi
PG_BIN=$(pg_bin)

free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 30000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

RUN_DIR=$(mktemp -d /tmp/conveyor-test.XXXXXX)
chmod 755 "$RUN_DIR"
PG_PID=""
cleanup() {
  local code=$?
  if [ -n "$PG_PID" ]; then
    log "stopping PostgreSQL"
    run_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -m immediate -w stop >/dev/null 2>&1 || kill "$PG_PID" 2>/dev/null || true
  fi
  rm -rf "$RUN_DIR"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# initdb and postgres refuse to run as root: run them as the postgres user on a directory it owns.
run_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_PORT=$(free_port)
mkdir -p "$RUN_DIR/pg" "$RUN_DIR/sock"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$RUN_DIR/pg" "$RUN_DIR/sock"
log "starting PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
run_pg "$PG_BIN/initdb" -D "$RUN_DIR/pg" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
run_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -l "$RUN_DIR/sock/pg.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $RUN_DIR/sock -c max_connections=300 -c fsync=on" start >/dev/null
PG_PID=$(head -n 1 "$RUN_DIR/pg/postmaster.pid")

export CONVEYOR_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log "building"
dotnet build Conveyor.slnx -c Release -warnaserror -nologo -v quiet
log "running tests"
dotnet test Conveyor.slnx -c Release --no-build --nologo "$@"
