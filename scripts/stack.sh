#!/usr/bin/env bash
# scripts/stack.sh — start/stop the real services earlypay talks to (docs/contract.md §2):
# Elasticsearch (the official integ-test-zip distribution from Maven) and MariaDB
# (Debian's mariadb-server) as local processes, with all state under $STACK_DIR.
#
# Usage: bash scripts/stack.sh <command>
#   up           Elasticsearch (ES_VERSION on ES_PORT) + MariaDB; waits until both are healthy,
#                prints the URLs (KEY=VALUE on stdout) and writes $STACK_DIR/env.
#                Idempotent: when both already run and are healthy it only prints the URLs.
#   down         stops every Elasticsearch instance under $STACK_DIR and MariaDB (idempotent).
#   status       one line per service (state, url, version, pid); exit 0 when the selected
#                Elasticsearch instance and MariaDB are up and healthy, else 3. A service that
#                another checkout started and `up` reuses is "running (reused: …)" when it serves.
#   up-es        only the Elasticsearch instance selected by ES_VERSION/ES_PORT (with ES_NODES,
#                the cluster's nodes).
#   down-es      stop that instance (SIGTERM, wait, SIGKILL after 60 s); with ES_NODES, every node.
#   kill-es      SIGKILL the instance on ES_PORT (fault tests; one node of a cluster: its port);
#                `up-es` brings it back with its data (a cluster's node: with the cluster's
#                ES_NODES and first ES_PORT, which starts only the nodes that are not running).
#   up-mysql     only MariaDB.      down-mysql   stop MariaDB (mariadb-admin shutdown).
#   tools        the tools the tests run besides the services: promtool (Debian's prometheus
#                package: the metrics textfiles and the alert rules are checked with it).
#   For down-es/kill-es without ES_VERSION, the instance running on ES_PORT is chosen.
#
# Environment (defaults in brackets):
#   STACK_DIR [<repo>/.stack]  all state: dist/ (unzipped distributions), es-<version>-<port>/
#                              (config, data, logs, tmp, es.pid of one instance), mysql/ (data,
#                              socket, pid, error log), env files, lock files.
#   ES_VERSION [8.19.21]       any version published as
#                              org.elasticsearch.distribution.integ-test-zip:elasticsearch:<v>:zip
#                              (7.17.29 and 9.2.0 work too); versions can run side by side on ports.
#   ES_PORT [9200]             HTTP port.  ES_TRANSPORT_PORT [ES_PORT+100] transport port.
#   ES_NODES [1]               N > 1: an N-node cluster (cluster.name earlypay-cluster-<ES_PORT>)
#                              on HTTP ports ES_PORT … ES_PORT+N−1 and transport ports
#                              ES_TRANSPORT_PORT …; ES_URL is printed and written as the
#                              comma-separated list of the node URLs (env.es-<v>-cluster-<port>).
#   ES_HEAP [1g; 512m per node when ES_NODES > 1]  -Xms and -Xmx.
#   ES_SETTINGS []             extra space-separated key=value settings, passed as -Ekey=value
#                              (override the defaults below); e.g.
#                              ES_SETTINGS='thread_pool.write.queue_size=2'.  If an instance is
#                              running with a different ES_HEAP/ES_SETTINGS, up/up-es restart it.
#   ES_JAVA_HOME               Java for Elasticsearch (checked against the version's minimum).
#                              Unset: the lowest suitable Java in /usr/lib/jvm, then JAVA_HOME,
#                              then `java` — 7.17/8.x: Java 17 (apt-installed if none fits);
#                              9.x: Java 21+ (the Temurin JDK these machines carry), else an
#                              error saying what to install.
#   ES_USER [earlypay-es]      unprivileged system user ES runs as when this script runs as root
#                              (created with useradd --system); as non-root ES runs as you.
#   MYSQL_PORT [3306]  MYSQL_DATABASE [earlypay]  MYSQL_BUFFER_POOL [1G]
#   MYSQL_ARGS []              extra mariadbd options.
#   STACK_TIMEOUT [120]        seconds to wait for a service to become healthy.
#
# Elasticsearch defaults: cluster.name=earlypay, discovery.type=single-node,
#   network.host=127.0.0.1, http.port, transport.port, path.data/path.logs in the instance dir,
#   cluster.routing.allocation.disk.threshold_enabled=false (a dev/test node must not turn
#   indices read-only because the disk is 90% full), action.destructive_requires_name=false
#   (the tests clean up with wildcard index deletes), and, only when the distribution has the
#   module: xpack.security.enabled=false, ingest.geoip.downloader.enabled=false (no network).
#   The integ-test-zip has no `GET /` handler: use /_nodes/_local for the version.
# Services not started from this STACK_DIR (another checkout's stack on the same machine): an
#   Elasticsearch of the requested version answering healthy on ES_PORT is used as it is (not
#   when ES_SETTINGS is given), and so is a MySQL/MariaDB on MYSQL_PORT that root@127.0.0.1 may
#   use without a password; `down` never stops them.
#   Health = GET /_cluster/health?wait_for_status=yellow answers 200.
# MariaDB: mariadbd --no-defaults, datadir $STACK_DIR/mysql/data (mariadb-install-db; owned by
#   `mysql` when root), socket/pid/error log in $STACK_DIR/mysql, bind 127.0.0.1, port MYSQL_PORT,
#   --skip-name-resolve, --max-connections=500, utf8mb4, sql_mode = MariaDB's default (zero
#   dates insertable), innodb_flush_log_at_trx_commit=2 (test speed).  root logs in over TCP
#   from 127.0.0.1 with NO password and ALL PRIVILEGES (incl. CREATE/DROP DATABASE);
#   database earlypay (utf8mb4).  Health = mariadb-admin ping + that database exists.
#
# Files written:
#   $STACK_DIR/env                    by `up`: export ES_URL=..., export MYSQL_URL=...
#   $STACK_DIR/env.es-<version>-<port> by up/up-es: export ES_URL=..., export ES<major>_URL=...
#   $STACK_DIR/env.mysql              by up/up-mysql: export MYSQL_URL=...
#   Source one with `. .stack/env`.  Progress goes to stderr; only KEY=VALUE lines go to stdout.
#
# Missing tools are installed with apt-get (root, or passwordless sudo): unzip, curl, maven,
# openjdk-17-jre-headless, procps, mariadb-server, mariadb-client; prometheus for promtool
# (`tools`).  The Elasticsearch zip is fetched with Maven (`dependency:copy`), i.e. from
# whatever repository Maven is configured for; ~/.m2 is used when the artifact is already there.
#
# Docker: docker-compose.yml (Elasticsearch 8.19, Kibana, MySQL 8) is there for users with a
# Docker engine (`docker compose -p earlypay up -d --wait`, see docs/install.md); this script never
# uses it — it runs the services as local processes.
#
# The parts: scripts/stack/common.sh (settings, helpers, env files), scripts/stack/elasticsearch.sh,
# scripts/stack/mariadb.sh; this file only dispatches.
set -euo pipefail
umask 022

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=stack/common.sh
. "$REPO_DIR/scripts/stack/common.sh"
# shellcheck source=stack/elasticsearch.sh
. "$REPO_DIR/scripts/stack/elasticsearch.sh"
# shellcheck source=stack/mariadb.sh
. "$REPO_DIR/scripts/stack/mariadb.sh"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
}

cmd=${1:-}
case $cmd in
  up | down | status | up-es | down-es | kill-es | up-mysql | down-mysql | browser | tools) ;;
  -h | --help | help) usage; exit 0 ;;
  *) usage; die "unknown command '${cmd}'" ;;
esac

case $cmd in
  up)
    es_cluster_up
    my_up
    write_env "$(es_urls)"
    log "wrote $STACK_DIR/env (ES $ES_VERSION, MariaDB)"
    print_urls "$(es_urls)"
    ;;
  down)
    es_down_all
    my_down
    ;;
  status)
    rc=0
    es_select
    shown=
    for d in "$STACK_DIR"/es-*-*; do
      [ -d "$d" ] || continue
      if [ "$d" = "$INST" ]; then es_status_line "$d" || rc=3; shown=1; else es_status_line "$d" || true; fi
    done
    [ -n "$shown" ] || { es_status_line "$INST" || rc=3; }
    my_status_line || rc=3
    exit $rc
    ;;
  up-es) es_cluster_up; print_urls_es "$(es_urls)" ;;
  down-es) es_each_node es_down ;;
  kill-es) es_kill ;;
  up-mysql) my_up; print_urls_mysql ;;
  down-mysql) my_down ;;
  tools) need promtool prometheus ;;
  # The report test (tests/integration/report) opens the page in headless Chromium, with a CJK font.
  browser)
    need chromium chromium
    fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null || apt_install fonts-noto-cjk
    ;;
esac
