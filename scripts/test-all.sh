#!/usr/bin/env bash
# Every test of the workspace: set-up (see setup.sh), type-check and build, lint, then all vitest projects
# (unit, real-server integration, end-to-end) as the postgres user, then the root-only tests (network
# namespaces, project `netns`) as root. Ends with one plain `N passed, N failed, N skipped` line for both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== lint"
pnpm run -s lint
echo "== tests"
results=$(mktemp /tmp/patroni-test-results.XXXXXX.json)
chmod 666 "$results"
reports=("$results")
status=0
bash scripts/vitest.sh run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
if [ "$(id -u)" != 0 ]; then
  echo "== root-only tests (network namespaces): skipped, they need root and this runs as $(id -un)"
else
  echo "== root-only tests (network namespaces, as root)"
  netns_results=$(mktemp /tmp/patroni-test-results-netns.XXXXXX.json)
  reports+=("$netns_results")
  if ! ip netns list >/dev/null 2>&1; then
    # Left empty, the report counts as a failure in the summary line.
    echo "FAILED: 'ip netns' does not work here (iproute2 installed? CAP_SYS_ADMIN and CAP_NET_ADMIN?)" >&2
    status=1
  else
    node_modules/.bin/vitest --configLoader runner run --project netns --passWithNoTests \
      --reporter=default --reporter=json --outputFile.json="$netns_results" "$@" || status=$?
  fi
fi
node scripts/summarize-results.mjs "${reports[@]}" || status=1
rm -f "${reports[@]}"
exit $status
