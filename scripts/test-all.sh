#!/usr/bin/env bash
# Every test of the workspace: set-up (see setup.sh), type-check and build, lint, then all vitest projects
# (unit, real-server integration, end-to-end). Ends with a plain `N passed, N failed` line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== lint"
pnpm run -s lint
echo "== tests"
results=$(mktemp /tmp/patroni-test-results.XXXXXX.json)
chmod 666 "$results"
status=0
bash scripts/vitest.sh run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
node scripts/summarize-results.mjs "$results" || status=1
rm -f "$results"
exit $status
