#!/usr/bin/env bash
# `npm run demo`: the whole pipeline on the local stack, as a newcomer's first look.
#   stack up -> sample data into MariaDB -> setup -> ingest -> daily -> weekly -> anomalies scan
#   -> reconcile -> a readable summary (tables, a chart) and where to look next.
# Uses the default index prefix (earlypay) and database (earlypay) of the project-local stack,
# so every command printed at the end works as typed. Re-running starts from scratch.
#
# Environment: DEMO_ROWS [100000]  DEMO_DAYS [60]  DEMO_STORES [30]  DEMO_SEED [42]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROWS=${DEMO_ROWS:-100000}
DAYS=${DEMO_DAYS:-60}
STORES=${DEMO_STORES:-30}
SEED=${DEMO_SEED:-42}

if [ -t 1 ]; then BOLD=$'\033[1m'; DIM=$'\033[2m'; RESET=$'\033[0m'; else BOLD=; DIM=; RESET=; fi
step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
show() { printf '%s$ %s%s\n' "$DIM" "$*" "$RESET"; }
earlypay() { show "earlypay $*"; ./bin/earlypay "$@"; }

npm run --silent build

step "Starting the local stack (Elasticsearch + MariaDB)"
bash scripts/stack.sh up >/dev/null
# shellcheck disable=SC1091
. .stack/env
export ES_URL MYSQL_URL
unset EARLYPAY_INDEX_PREFIX EARLYPAY_CONFIG
echo "Elasticsearch: $ES_URL"
echo "MySQL:         $MYSQL_URL"

# The sample covers the DAYS business days (Asia/Seoul) that end yesterday, so `daily` without
# arguments and Kibana's "last 30 days" both find data.
END=$(TZ=Asia/Seoul date -d yesterday +%F)
START=$(TZ=Asia/Seoul date -d "$END - $((DAYS - 1)) days" +%F)

step "Resetting the demo indices (earlypay-*) on the local Elasticsearch"
node -e '
  const { Client } = require("@elastic/elasticsearch");
  const es = new Client({ node: process.env.ES_URL });
  es.indices.delete({ index: "earlypay-*", expand_wildcards: "all" }, { ignore: [404] })
    .then(() => es.close(), (e) => { console.error(e.message); process.exit(1); });'

step "Loading $ROWS sample card sales ($STORES stores, $START .. $END) into MySQL"
show "npm run sample -- --rows $ROWS --days $DAYS --stores $STORES --seed $SEED --start-date $START --truncate"
node dist/sample/cli.js --rows "$ROWS" --days "$DAYS" --stores "$STORES" --seed "$SEED" --start-date "$START" --truncate

step "Creating the indices"
earlypay setup

step "Copying the sales into Elasticsearch, checking each against the anomaly rules"
earlypay ingest --full

step "Daily average order value (객단가) for every store and day"
earlypay daily --from "$START" --to "$END"

step "Trailing 7-day AOV, the baseline of OVER_WEEKLY_AOV"
earlypay weekly --from "$START" --to "$END"

step "Re-checking the sales now that weekly baselines exist"
earlypay anomalies scan --from "$START" --to "$END"

step "Comparing MySQL and Elasticsearch day by day"
earlypay reconcile --from "$START" --to "$END"

step "Summary"
TOP_STORE=$(./bin/earlypay search daily --date "$END" --sort total_sale:desc --limit 1 --fields store_id \
  --format csv --quiet | sed -n 2p)
TOP_STORE=${TOP_STORE:-1}
printf '\n%sTop stores by sales on %s%s\n' "$BOLD" "$END" "$RESET"
earlypay search daily --date "$END" --sort total_sale:desc --limit 10 --format table
printf '\n%sWeekly AOV of store %s%s\n' "$BOLD" "$TOP_STORE" "$RESET"
earlypay search weekly --store "$TOP_STORE" --from "$START" --to "$END" --chart
printf '\n%sNewest open anomalies%s\n' "$BOLD" "$RESET"
earlypay anomalies list --limit 10 --format table
printf '\n%sThe rules and their thresholds%s\n' "$BOLD" "$RESET"
earlypay anomalies rules
printf '\n%sHealth%s\n' "$BOLD" "$RESET"
earlypay doctor || true

cat <<EOF

${BOLD}Where to look next${RESET}
  . .stack/env                                   # point your shell at the local stack
  ./bin/earlypay search sales --store $TOP_STORE --from $END --to $END
  ./bin/earlypay search sales --text 배달 --limit 5 --format json
  ./bin/earlypay search daily --from $START --to $END --store $TOP_STORE --format csv > daily.csv
  ./bin/earlypay anomalies list --rule REPEATED_AMOUNT
  ./bin/earlypay --help                       # every command, with examples
  docs/                                          # the operator's manual (cron, Kibana, troubleshooting)
  npm run stack:down                             # stop Elasticsearch and MariaDB when done
EOF
