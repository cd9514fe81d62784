#!/usr/bin/env bash
# `npm run bench [-- --rows N]`: build, bring the real stack up, and measure the figures of docs/contract.md §8
# (ingest against the bulk ceiling, daily/weekly, search, reconcile in sync and drifting beside
# MySQL's own per-day aggregation, freshness with ingest run as cron runs it)
# into bench/RESULTS.md (see bench/run.ts). Sample databases earlypay_bench_<rows> are kept so
# a second run reuses them; `--keep` also keeps the benchmark's indices. `--only freshness`
# (with --fresh-rate/--fresh-duration/--fresh-idle/--fresh-modes for a short run) measures
# freshness alone and replaces only its section of bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

npm run --silent build
bash scripts/stack.sh up >/dev/null
# shellcheck disable=SC1091
. .stack/env
export ES_URL MYSQL_URL
# The harness holds the ceiling's pre-serialized bodies in memory (off-heap buffers); the CLI
# processes it measures run with node's defaults (bench/measure.js, NODE_OPTIONS cleared).
status=0
node --max-old-space-size=4096 -r ts-node/register/transpile-only bench/run.ts "$@" || status=$?
# RESULTS.md's tables as `npm run format:check` expects them.
npx biome format --write bench/RESULTS.md >/dev/null
exit $status
