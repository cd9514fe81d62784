#!/usr/bin/env bash
# `npm test`: lint and check the formatting, build, bring up the real stack (Elasticsearch 8 +
# MariaDB, and an Elasticsearch 7.17 and a 9.x for the compatibility tests), then run every jest
# project. The cluster test
# (tests/integration/cluster) starts and stops its own 3-node cluster on CLUSTER_ES_PORT
# (9210-9212), like the fault tests their own instances. The stack stays up
# afterwards so re-runs are quick; `npm run stack:down` stops it. `stack.sh tools` installs
# promtool (the metrics and alert-rule tests) when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Style first, so that CI fails in seconds on a violation, before the stack starts.
npm run --silent lint
npm run --silent format:check
npm run --silent build
bash scripts/stack.sh tools
bash scripts/stack.sh up >/dev/null
bash scripts/stack.sh browser >/dev/null # Debian chromium + fonts-noto-cjk for the report test
ES_VERSION="${ES7_VERSION:-7.17.29}" ES_PORT="${ES7_PORT:-9201}" ES_HEAP=512m bash scripts/stack.sh up-es >/dev/null
# the newest 9.x Maven Central serves (integ-test-zip); runs on Java 21+ (stack.sh finds it)
ES_VERSION="${ES9_VERSION:-9.2.0}" ES_PORT="${ES9_PORT:-9202}" ES_HEAP=512m bash scripts/stack.sh up-es >/dev/null
# shellcheck disable=SC1091
. .stack/env
export ES_URL MYSQL_URL
export ES7_URL="http://127.0.0.1:${ES7_PORT:-9201}"
export ES9_URL="http://127.0.0.1:${ES9_PORT:-9202}"
echo "[test] ES_URL=$ES_URL ES7_URL=$ES7_URL ES9_URL=$ES9_URL MYSQL_URL=$MYSQL_URL" >&2
exec npx jest --ci --maxWorkers=2 "$@"
