#!/usr/bin/env bash
# Runs a benchmark script (src/bench/<name>.ts) with tsx from test-cluster/. PostgreSQL refuses root, so as
# root it runs as the unprivileged `postgres` user, as scripts/vitest.sh does for the tests; the checkout
# must be readable by it and --json paths writable by it.
set -euo pipefail
cd "$(dirname "$0")/../.."
script="src/bench/$1.ts"
shift
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "benchmarks need the 'postgres' user: apt-get install postgresql-15" >&2; exit 1; }
  unset_npm=()
  for v in $(compgen -e | grep -i '^npm_' || true); do unset_npm+=(-u "$v"); done
  exec runuser -u postgres -- env "${unset_npm[@]}" HOME=/var/lib/postgresql PATH="$PATH" node_modules/.bin/tsx "$script" "$@"
fi
exec node_modules/.bin/tsx "$script" "$@"
