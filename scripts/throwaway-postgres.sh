# Sourced by ./test.sh and bench/run.sh: installs PostgreSQL when it is missing (as root, from Debian's
# packages), starts a throwaway cluster on a free loopback port in a temp dir, and stops it on exit.
# After `pg_start`, PG_PORT and PG_CONNECTION (an Npgsql connection string) and PG_URI (libpq) are set.

log() { printf '\033[1m[%s]\033[0m %s\n' "${LOG_NAME:-conveyor}" "$*" >&2; }

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

free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 30000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# initdb and postgres refuse to run as root: run them as the postgres user on a directory it owns.
run_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_RUN_DIR=""
pg_stop() {
  if [ -n "$PG_RUN_DIR" ] && [ -f "$PG_RUN_DIR/pg/postmaster.pid" ]; then
    run_pg "$PG_BIN/pg_ctl" -D "$PG_RUN_DIR/pg" -m immediate -w stop >/dev/null 2>&1 \
      || kill "$(head -n 1 "$PG_RUN_DIR/pg/postmaster.pid")" 2>/dev/null || true
  fi
  [ -z "$PG_RUN_DIR" ] || rm -rf "$PG_RUN_DIR"
}

# pg_start [extra postgres -c settings…]
pg_start() {
  if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then apt_install postgresql; fi
  PG_BIN=$(pg_bin)
  PG_RUN_DIR=$(mktemp -d /tmp/conveyor-pg.XXXXXX)
  chmod 755 "$PG_RUN_DIR"
  mkdir -p "$PG_RUN_DIR/pg" "$PG_RUN_DIR/sock"
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PG_RUN_DIR/pg" "$PG_RUN_DIR/sock"
  PG_PORT=$(free_port)
  log "starting PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
  run_pg "$PG_BIN/initdb" -D "$PG_RUN_DIR/pg" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  local options="-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_RUN_DIR/sock -c max_connections=300"
  local extra
  for extra in "$@"; do options="$options -c $extra"; done
  run_pg "$PG_BIN/pg_ctl" -D "$PG_RUN_DIR/pg" -l "$PG_RUN_DIR/sock/pg.log" -w -t 60 -o "$options" start >/dev/null
  PG_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100"
  PG_URI="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  export PG_PORT PG_CONNECTION PG_URI PG_BIN
}
