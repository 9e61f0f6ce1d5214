#!/usr/bin/env bash
# The README's test command runs this: install what the tests need, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
[ -d node_modules ] || npm ci
npm run build --silent
report="$(mktemp -t thresher-vitest-XXXXXX.json)"
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$report" "$@" || status=$?
# One plain closing line, whatever the runner printed above it; a failed file counts as failed.
node scripts/test-summary.mjs "$report" "$status" || echo "tests: no report (vitest status $status)"
exit "$status"
