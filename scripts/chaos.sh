#!/usr/bin/env bash
# `npm run chaos [-- --rounds N] [--seed S]`: the chaos test (tests/integration/chaos) for N
# rounds (default 20) from seed S (default: random, printed), on an Elasticsearch and a MariaDB
# of its own (CHAOS_ES_PORT, default 9233; CHAOS_MYSQL_PORT, default 3331), after bringing the
# stack up as `npm test` does. The tally (rounds, faults by kind and moment, how each struck run
# ended, all exact or the round that failed, with the command that replays it) replaces the
# "Chaos" section of bench/RESULTS.md. A round takes 20-60 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rounds=20
seed=$((RANDOM * 32768 + RANDOM))
while [ $# -gt 0 ]; do
  case "$1" in
  --rounds) rounds=${2:?--rounds takes a number}; shift 2 ;;
  --seed) seed=${2:?--seed takes a number}; shift 2 ;;
  *) echo "chaos: unknown argument $1 (usage: npm run chaos -- --rounds N --seed S)" >&2; exit 2 ;;
  esac
done
if ! [[ $rounds =~ ^[1-9][0-9]*$ && $seed =~ ^[0-9]+$ ]]; then
  echo "chaos: --rounds and --seed take whole numbers" >&2
  exit 2
fi

npm run --silent build
bash scripts/stack.sh up >/dev/null
# shellcheck disable=SC1091
. "${STACK_DIR:-.stack}/env"
export ES_URL MYSQL_URL
echo "[chaos] $rounds round(s), seed $seed" >&2
status=0
CHAOS_ROUNDS=$rounds CHAOS_SEED=$seed CHAOS_REPORT=bench/RESULTS.md npx jest --ci tests/integration/chaos || status=$?
# The tally is written as plain tables; the formatter lays them out as `npm run format:check` expects.
npx biome format --write bench/RESULTS.md >/dev/null
exit $status
