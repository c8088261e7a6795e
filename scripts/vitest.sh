#!/usr/bin/env bash
# Runs vitest with the given arguments. PostgreSQL refuses to run as root, so when we are root the tests
# run as the unprivileged `postgres` user (created by Debian's postgresql package); the checkout must be
# readable by it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "tests need the 'postgres' user: apt-get install postgresql-15" >&2; exit 1; }
  # npm's own variables (npm_config_cache=/root/.npm...) would point the tests' npm at root's files.
  unset_npm=()
  for v in $(compgen -e | grep -i '^npm_' || true); do unset_npm+=(-u "$v"); done
  exec runuser -u postgres -- env "${unset_npm[@]}" HOME=/var/lib/postgresql PATH="$PATH" node_modules/.bin/vitest --configLoader runner "$@"
fi
exec node_modules/.bin/vitest --configLoader runner "$@"
