#!/usr/bin/env bash
# The real stack for development, tests, the demo and the benchmarks (SPEC §2):
#   Elasticsearch  Maven Central's integ-test-zip distribution, run as an unprivileged user
#   MariaDB        Debian's mariadb-server, with a project-local data directory
# Both bound to 127.0.0.1. Idempotent: `up` on a running stack only prints the URLs.
#
# Usage: scripts/stack.sh up|down|status|up-es|down-es|kill-es|up-mysql|down-mysql
#
# Environment:
#   ES_VERSION   Elasticsearch version (default 8.19.21; 7.17.29 works too)
#   ES_PORT      HTTP port (default 9200); the transport port is ES_PORT+100
#   ES_HEAP      heap size (default 1g)
#   ES_SETTINGS  extra settings, space separated key=value (e.g. thread_pool.write.queue_size=2)
#   MYSQL_PORT   MariaDB port (default 3306)
#   STACK_DIR    where everything lives (default <repo>/.stack)
#   EARLYPAY_STACK=local|docker  force local processes or docker compose (default: docker
#                only when a Docker engine answers; docker mode is untested on this project's
#                machines, which have no Docker engine)
#
# Files: $STACK_DIR/env (export ES_URL=..., MYSQL_URL=...) for the default instance;
#        $STACK_DIR/es-<version>-<port>/ (install, data, logs, pid); $STACK_DIR/mysql/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${STACK_DIR:-$ROOT/.stack}"
ES_VERSION="${ES_VERSION:-8.19.21}"
ES_PORT="${ES_PORT:-9200}"
ES_HEAP="${ES_HEAP:-1g}"
ES_SETTINGS="${ES_SETTINGS:-}"
MYSQL_PORT="${MYSQL_PORT:-3306}"
ES_USER="earlypay-es"
ES_HOME_DIR="$STACK_DIR/es-$ES_VERSION-$ES_PORT"
MYSQL_DIR="$STACK_DIR/mysql"
ES_URL="http://127.0.0.1:$ES_PORT"
MYSQL_URL="mysql://root@127.0.0.1:$MYSQL_PORT/earlypay"
TIMEOUT="${STACK_TIMEOUT:-180}"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  is_root || die "need $* but not root; install them (apt-get install $*) or run as root"
  log "installing $* (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$@" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq "$@" >/dev/null; }
}

use_docker() {
  case "${EARLYPAY_STACK:-}" in
    docker) return 0 ;;
    local) return 1 ;;
  esac
  command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1
}

java_home() {
  if [ -n "${ES_JAVA_HOME:-}" ]; then echo "$ES_JAVA_HOME"; return; fi
  for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64; do
    [ -x "$d/bin/java" ] && { echo "$d"; return; }
  done
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
  dirname "$(dirname "$(readlink -f "$(command -v java)")")"
}

# ---------------------------------------------------------------- Elasticsearch
es_pid() { [ -f "$ES_HOME_DIR/es.pid" ] && cat "$ES_HOME_DIR/es.pid" 2>/dev/null || true; }
es_running() { local p; p="$(es_pid)"; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
es_healthy() { curl -fsS -m 5 "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null 2>&1; }

es_install() {
  local dist="$ES_HOME_DIR/elasticsearch-$ES_VERSION"
  [ -x "$dist/bin/elasticsearch" ] && return 0
  command -v unzip >/dev/null 2>&1 || apt_install unzip
  command -v mvn >/dev/null 2>&1 || apt_install maven
  mkdir -p "$ES_HOME_DIR"
  log "fetching Elasticsearch $ES_VERSION (integ-test-zip) with Maven"
  mvn -q -B dependency:copy \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$ES_HOME_DIR" -Dmdep.stripVersion=false >&2 \
    || die "Maven could not fetch org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
  (cd "$ES_HOME_DIR" && unzip -q -o "elasticsearch-$ES_VERSION.zip" && rm -f "elasticsearch-$ES_VERSION.zip")
  mkdir -p "$ES_HOME_DIR/data" "$ES_HOME_DIR/logs"
}

es_owner() {
  if is_root; then
    id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
    chown -R "$ES_USER" "$ES_HOME_DIR"
    # The user must be able to reach the instance directory.
    local d="$ES_HOME_DIR"
    while [ "$d" != "/" ]; do d="$(dirname "$d")"; chmod o+x "$d" 2>/dev/null || true; done
  fi
}

es_up() {
  if es_running && es_healthy; then log "Elasticsearch $ES_VERSION already up at $ES_URL"; return 0; fi
  if es_running; then log "Elasticsearch is starting; waiting"; else
    es_install
    es_owner
    local jh dist settings=()
    jh="$(java_home)"
    dist="$ES_HOME_DIR/elasticsearch-$ES_VERSION"
    settings=(-Ediscovery.type=single-node -Enetwork.host=127.0.0.1 "-Ehttp.port=$ES_PORT" "-Etransport.port=$((ES_PORT + 100))"
      "-Epath.data=$ES_HOME_DIR/data" "-Epath.logs=$ES_HOME_DIR/logs" -Expack.security.enabled=false
      -Ecluster.routing.allocation.disk.threshold_enabled=false -Eaction.destructive_requires_name=false)
    for kv in $ES_SETTINGS; do settings+=("-E$kv"); done
    log "starting Elasticsearch $ES_VERSION on $ES_URL (heap $ES_HEAP)"
    local cmd="cd '$dist' && ES_JAVA_HOME='$jh' ES_JAVA_OPTS='-Xms$ES_HEAP -Xmx$ES_HEAP' ./bin/elasticsearch -d -p '$ES_HOME_DIR/es.pid' ${settings[*]} >'$ES_HOME_DIR/logs/startup.log' 2>&1"
    if is_root; then su "$ES_USER" -s /bin/bash -c "$cmd" || true; else bash -c "$cmd" || true; fi
  fi
  local waited=0
  until es_healthy; do
    if ! es_running && [ $waited -gt 5 ]; then
      tail -n 20 "$ES_HOME_DIR/logs/startup.log" "$ES_HOME_DIR/logs/"*.log 2>/dev/null | grep -E 'ERROR|Exception|error' | tail -n 8 >&2 || true
      die "Elasticsearch $ES_VERSION did not start; logs in $ES_HOME_DIR/logs"
    fi
    [ $waited -ge "$TIMEOUT" ] && die "Elasticsearch not healthy after ${TIMEOUT}s; logs in $ES_HOME_DIR/logs"
    sleep 2; waited=$((waited + 2))
  done
  log "Elasticsearch $ES_VERSION up at $ES_URL"
}

es_down() {
  local p; p="$(es_pid)"
  if [ -z "$p" ] || ! kill -0 "$p" 2>/dev/null; then log "Elasticsearch on $ES_PORT not running"; rm -f "$ES_HOME_DIR/es.pid"; return 0; fi
  kill "$p" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 1; done
  kill -9 "$p" 2>/dev/null || true
  rm -f "$ES_HOME_DIR/es.pid"
  log "Elasticsearch on $ES_PORT stopped"
}

es_kill() {
  local p; p="$(es_pid)"
  [ -n "$p" ] && kill -9 "$p" 2>/dev/null && log "Elasticsearch on $ES_PORT killed (SIGKILL)" || log "Elasticsearch on $ES_PORT not running"
  for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
  rm -f "$ES_HOME_DIR/es.pid"
}

# ---------------------------------------------------------------- MariaDB
mysqld_bin() { command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd 2>/dev/null || true; }
mysql_client() { command -v mariadb || command -v mysql; }
mysql_running() { [ -S "$MYSQL_DIR/mysqld.sock" ] && "$(mysql_client)" --protocol=socket -S "$MYSQL_DIR/mysqld.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1; }
mysql_tcp_ok() { "$(mysql_client)" -h127.0.0.1 -P"$MYSQL_PORT" -uroot -e 'SELECT 1' earlypay >/dev/null 2>&1; }

mysql_up() {
  if mysql_running && mysql_tcp_ok; then log "MariaDB already up at $MYSQL_URL"; return 0; fi
  [ -n "$(mysqld_bin)" ] || apt_install mariadb-server mariadb-client
  local bin; bin="$(mysqld_bin)"
  mkdir -p "$MYSQL_DIR"
  if [ ! -d "$MYSQL_DIR/data/mysql" ]; then
    log "initialising MariaDB data directory in $MYSQL_DIR/data"
    local owner=(); is_root && owner=(--user=mysql)
    mariadb-install-db --datadir="$MYSQL_DIR/data" "${owner[@]}" --auth-root-authentication-method=normal --skip-test-db >"$MYSQL_DIR/install.log" 2>&1 \
      || { tail -n 20 "$MYSQL_DIR/install.log" >&2; die "mariadb-install-db failed"; }
  fi
  is_root && chown -R mysql:mysql "$MYSQL_DIR" && chmod o+x "$STACK_DIR" "$ROOT"
  if ! mysql_running; then
    log "starting MariaDB on 127.0.0.1:$MYSQL_PORT"
    local owner=(); is_root && owner=(--user=mysql)
    nohup "$bin" --no-defaults --datadir="$MYSQL_DIR/data" --socket="$MYSQL_DIR/mysqld.sock" --pid-file="$MYSQL_DIR/mysqld.pid" \
      --port="$MYSQL_PORT" --bind-address=127.0.0.1 --skip-name-resolve "${owner[@]}" --max-connections=500 \
      --innodb-buffer-pool-size=1G --innodb-log-file-size=256M --innodb-flush-log-at-trx-commit=2 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --log-error="$MYSQL_DIR/error.log" \
      >/dev/null 2>&1 &
  fi
  local waited=0
  until mysql_running; do
    [ $waited -ge "$TIMEOUT" ] && { tail -n 20 "$MYSQL_DIR/error.log" >&2; die "MariaDB did not start"; }
    sleep 1; waited=$((waited + 1))
  done
  "$(mysql_client)" --protocol=socket -S "$MYSQL_DIR/mysqld.sock" -uroot <<'SQL'
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'root'@'localhost' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS earlypay CHARACTER SET utf8mb4;
FLUSH PRIVILEGES;
SQL
  mysql_tcp_ok || die "MariaDB is up but root cannot connect over TCP at $MYSQL_URL"
  log "MariaDB up at $MYSQL_URL"
}

mysql_down() {
  if ! mysql_running; then log "MariaDB not running"; return 0; fi
  "$(mysql_client)" --protocol=socket -S "$MYSQL_DIR/mysqld.sock" -uroot -e 'SHUTDOWN' >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do mysql_running || break; sleep 1; done
  log "MariaDB stopped"
}

write_env() {
  mkdir -p "$STACK_DIR"
  printf 'export ES_URL=%s\nexport MYSQL_URL=%s\n' "$ES_URL" "$MYSQL_URL" >"$STACK_DIR/env"
}

status() {
  local rc=0
  if es_healthy; then
    local v; v="$(curl -fsS -m 5 "$ES_URL/_nodes/_local?filter_path=nodes.*.version" | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)"
    echo "elasticsearch  running  $ES_URL  version $v  pid $(es_pid)"
  else echo "elasticsearch  stopped  $ES_URL"; rc=3; fi
  if mysql_running; then
    echo "mariadb        running  $MYSQL_URL  version $("$(mysql_client)" --protocol=socket -S "$MYSQL_DIR/mysqld.sock" -uroot -N -e 'SELECT VERSION()')  pid $(cat "$MYSQL_DIR/mysqld.pid" 2>/dev/null)"
  else echo "mariadb        stopped  $MYSQL_URL"; rc=3; fi
  return $rc
}

docker_cmd() {
  log "using docker compose (untested on machines without a Docker engine)"
  case "$1" in
    up) docker compose -f "$ROOT/docker-compose.yml" up -d --wait; write_env; echo "ES_URL=$ES_URL"; echo "MYSQL_URL=$MYSQL_URL" ;;
    down) docker compose -f "$ROOT/docker-compose.yml" down ;;
    status) docker compose -f "$ROOT/docker-compose.yml" ps ;;
    *) die "$1 is not available with docker compose" ;;
  esac
}

cmd="${1:-}"
if [ -n "$cmd" ] && use_docker; then docker_cmd "$cmd"; exit $?; fi
case "$cmd" in
  up) mysql_up; es_up; write_env; echo "ES_URL=$ES_URL"; echo "MYSQL_URL=$MYSQL_URL"; echo "(also written to $STACK_DIR/env)" ;;
  down)
    # Every Elasticsearch instance under STACK_DIR (the 7.17 one of the test suite too).
    for d in "$STACK_DIR"/es-*-*; do
      [ -d "$d" ] || continue
      ES_HOME_DIR="$d"; ES_PORT="${d##*-}"; es_down
    done
    mysql_down ;;
  status) status ;;
  up-es) es_up; echo "ES_URL=$ES_URL" ;;
  down-es) es_down ;;
  kill-es) es_kill ;;
  up-mysql) mysql_up; echo "MYSQL_URL=$MYSQL_URL" ;;
  down-mysql) mysql_down ;;
  *) echo "usage: scripts/stack.sh up|down|status|up-es|down-es|kill-es|up-mysql|down-mysql" >&2; exit 2 ;;
esac
