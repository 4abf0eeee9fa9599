#!/usr/bin/env bash
# `npm test`: the whole suite from a fresh clone. Installs dependencies if missing, makes sure PostgreSQL
# and Redis answer (each test file creates and drops its own database and Redis key prefix), builds
# (the Prisma client and the apps that some tests spawn), lints and type-checks the tests, then runs jest.
# Extra arguments go to jest (and skip the lint and type-check: `npm test -- packages/core`).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_deps
ensure_services
build
cd "$ROOT"
if [ "$#" -eq 0 ]; then
  say "lint (eslint) and type-check of the tests"
  npx turbo run lint --output-logs=errors-only
  npx tsc -p tsconfig.test.json
fi
mkdir -p "$LOCAL_DIR"
status=0
npx jest --json --outputFile="$LOCAL_DIR/jest-results.json" "$@" || status=$?
node -e '
  const r = require(process.argv[1]);
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$LOCAL_DIR/jest-results.json" 2>/dev/null || true
exit $status
