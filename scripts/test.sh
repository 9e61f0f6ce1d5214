#!/usr/bin/env bash
# The README's test command runs this: install what the tests need, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
[ -d node_modules ] || npm ci
npm run build --silent
exec npx vitest run "$@"
