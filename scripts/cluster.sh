#!/usr/bin/env bash
# `npm run cluster -- up|down`: set-up, then the local cluster of real processes (see test-cluster/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -f test-cluster/dist/cli.js ]; then
  echo "the local cluster is not wired up yet in this version (test-cluster issue)" >&2
  exit 1
fi
exec node test-cluster/dist/cli.js "$@"
