#!/usr/bin/env bash
# `npm test`: build, bring up the real stack (Elasticsearch 8 + MariaDB, and an Elasticsearch
# 7.17 for the compatibility tests), then run every jest project. The stack stays up
# afterwards so re-runs are quick; `npm run stack:down` stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

npm run --silent build
bash scripts/stack.sh up >/dev/null
ES_VERSION="${ES7_VERSION:-7.17.29}" ES_PORT="${ES7_PORT:-9201}" ES_HEAP=512m bash scripts/stack.sh up-es >/dev/null
# shellcheck disable=SC1091
. .stack/env
export ES_URL MYSQL_URL
export ES7_URL="http://127.0.0.1:${ES7_PORT:-9201}"
echo "[test] ES_URL=$ES_URL ES7_URL=$ES7_URL MYSQL_URL=$MYSQL_URL" >&2
exec npx jest --ci --maxWorkers=2 "$@"
