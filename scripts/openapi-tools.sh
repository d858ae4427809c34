# Sourced by ./test.sh after throwaway-postgres.sh (for log and apt_install): installs the OpenAPI tools the
# contract tests run (Redocly CLI's linter, openapi-typescript and the TypeScript compiler that type-checks the
# generated client) from npm into a tool folder outside the repository, and exports where they are. Node.js and
# npm come from Debian's packages when missing.
OPENAPI_TOOLS_VERSIONS="@redocly/cli@2.77.0 openapi-typescript@7.13.0 typescript@5.9.3"

openapi_tools_install() {
  command -v npm >/dev/null || apt_install nodejs npm
  local dir="${CONVEYOR_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/conveyor-tools}/openapi-redocly2.77.0-oat7.13.0-ts5.9.3"
  if [ ! -x "$dir/node_modules/.bin/redocly" ] || [ ! -x "$dir/node_modules/.bin/openapi-typescript" ] || [ ! -x "$dir/node_modules/.bin/tsc" ]; then
    log "installing $OPENAPI_TOOLS_VERSIONS into $dir"
    mkdir -p "$dir"
    # shellcheck disable=SC2086 # the versions list is word-split on purpose
    npm install --prefix "$dir" --no-save --no-package-lock --loglevel=error $OPENAPI_TOOLS_VERSIONS >/dev/null
  fi
  export CONVEYOR_TEST_REDOCLY="$dir/node_modules/.bin/redocly"
  export CONVEYOR_TEST_OPENAPI_TYPESCRIPT="$dir/node_modules/.bin/openapi-typescript"
  export CONVEYOR_TEST_TSC="$dir/node_modules/.bin/tsc"
  CONVEYOR_TEST_NODE="$(command -v node)"
  export CONVEYOR_TEST_NODE
}
