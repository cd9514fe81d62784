#!/usr/bin/env bash
# scripts/stack.sh — start/stop the real services earlypay talks to (SPEC §2):
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
#   EARLYPAY_STACK [auto]      local | docker | auto (docker when `docker compose version` works
#                              AND a Docker engine answers `docker info`, else local).
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
# openjdk-17-jre-headless, procps, mariadb-server, mariadb-client.  The Elasticsearch zip is
# fetched with Maven (`dependency:copy`), i.e. from whatever repository Maven is configured for;
# ~/.m2 is used when the artifact is already there.
#
# Docker mode (docker-compose.yml: Elasticsearch 8.19, Kibana, MySQL 8) is only lightly
# implemented and UNTESTED here (no Docker engine on the development machine); it handles
# up/down/status and the default ES instance/MySQL for the other commands.  Elasticsearch
# instances other than the compose one (another ES_VERSION or ES_PORT) always run locally.
set -euo pipefail
umask 022

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STACK_DIR:-$REPO_DIR/.stack}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)

ES_VERSION_SET=${ES_VERSION:+1}
ES_VERSION=${ES_VERSION:-8.19.21}
ES_PORT=${ES_PORT:-9200}
ES_TRANSPORT_PORT=${ES_TRANSPORT_PORT:-$((ES_PORT + 100))}
ES_NODES=${ES_NODES:-1}
ES_HEAP_SET=${ES_HEAP:+1}
# a cluster's nodes share this machine: a smaller heap each unless ES_HEAP says otherwise
if [ "$ES_NODES" = 1 ]; then ES_HEAP=${ES_HEAP:-1g}; else ES_HEAP=${ES_HEAP:-512m}; fi
ES_SETTINGS_SET=${ES_SETTINGS+1}
ES_SETTINGS=${ES_SETTINGS:-}
ES_USER=${ES_USER:-earlypay-es}
MYSQL_PORT=${MYSQL_PORT:-3306}
MYSQL_DATABASE=${MYSQL_DATABASE:-earlypay}
MYSQL_BUFFER_POOL=${MYSQL_BUFFER_POOL:-1G}
MYSQL_ARGS=${MYSQL_ARGS:-}
STACK_TIMEOUT=${STACK_TIMEOUT:-120}
EARLYPAY_STACK=${EARLYPAY_STACK:-auto}
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

[[ $ES_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "ES_VERSION must look like 8.19.21 (got '$ES_VERSION')"
[[ $ES_PORT =~ ^[0-9]+$ && $ES_TRANSPORT_PORT =~ ^[0-9]+$ && $MYSQL_PORT =~ ^[0-9]+$ ]] || die "ES_PORT, ES_TRANSPORT_PORT and MYSQL_PORT must be numbers"
[[ $ES_HEAP =~ ^[0-9]+[kKmMgG]$ ]] || die "ES_HEAP must look like 512m or 1g (got '$ES_HEAP')"
[[ $ES_NODES =~ ^[1-9]$ ]] || die "ES_NODES must be a number of nodes from 1 to 9 (got '$ES_NODES')"
[[ $STACK_TIMEOUT =~ ^[0-9]+$ ]] || die "STACK_TIMEOUT must be a number of seconds"
[[ $MYSQL_DATABASE =~ ^[A-Za-z0-9_]+$ ]] || die "MYSQL_DATABASE must be [A-Za-z0-9_]+"

# ---------------------------------------------------------------------------------------------
# helpers

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# tail_log FILE...: the last lines of each existing file, indented, on stderr
tail_log() {
  local f
  for f in "$@"; do
    [ -s "$f" ] || continue
    printf '[stack] --- last lines of %s ---\n' "$f" >&2
    tail -n 25 "$f" | cut -c1-400 | sed 's/^/    /' >&2
  done
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
read_pid() { [ -s "$1" ] && tr -dc '0-9' <"$1" || true; }

# wait_gone PID SECONDS: 0 when the process is gone within SECONDS
wait_gone() {
  local pid=$1 n=$(($2 * 5))
  while pid_alive "$pid" && [ "$n" -gt 0 ]; do sleep 0.2; n=$((n - 1)); done
  ! pid_alive "$pid"
}

# take_lock FD NAME: serialise concurrent invocations for one component (best effort)
take_lock() {
  command -v flock >/dev/null 2>&1 || return 0
  eval "exec $1>\"\$STACK_DIR/.lock.$2\""
  flock -w 900 "$1" || die "timed out waiting for another stack.sh working on $2"
}

# write_file PATH: stdin to PATH atomically
write_file() { local tmp; tmp=$(mktemp "$1.XXXXXX"); cat >"$tmp"; chmod 644 "$tmp"; mv -f "$tmp" "$1"; }

# apt_install PKG...: install Debian packages (root or passwordless sudo), update lists on failure
apt_install() {
  local -a sudo=()
  if ! is_root; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else
      die "missing packages: $*; install them with 'sudo apt-get install -y $*' (this script is not running as root and has no passwordless sudo)"
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing packages: $* (and no apt-get on this machine to install them)"
  local aptlog=$STACK_DIR/apt.log policy=/usr/sbin/policy-rc.d made_policy=
  log "installing $* with apt-get (log: $aptlog)"
  # Keep apt from starting the system-wide mariadb service (it would take port 3306).
  if is_root && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  local ok=
  if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$aptlog" 2>&1; then ok=1
  elif "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >>"$aptlog" 2>&1 &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$aptlog" 2>&1; then ok=1
  fi
  [ -n "$made_policy" ] && rm -f "$policy"
  [ -n "$ok" ] || { tail_log "$aptlog"; die "apt-get install $* failed"; }
}

# need CMD PKG: make sure CMD exists, installing PKG if not
need() { command -v "$1" >/dev/null 2>&1 || apt_install "$2"; command -v "$1" >/dev/null 2>&1 || die "$1 still missing after installing $2"; }

# run_as USER CMD...: CMD as USER (when root and USER given), else as the current user
run_as() {
  local user=$1; shift
  if is_root && [ -n "$user" ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# can_reach USER DIR: USER can traverse to and write into DIR
can_reach() { run_as "$1" test -x "$2" -a -w "$2"; }

# ---------------------------------------------------------------------------------------------
# docker mode (untested here: no Docker engine on the development machine)

COMPOSE_FILE=$REPO_DIR/docker-compose.yml
docker_available() {
  command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1 && docker info >/dev/null 2>&1
}
stack_mode() {
  case $EARLYPAY_STACK in
    local) echo local ;;
    docker) docker_available || die "EARLYPAY_STACK=docker but docker compose / a Docker engine is not available"; echo docker ;;
    auto) if [ -f "$COMPOSE_FILE" ] && docker_available; then echo docker; else echo local; fi ;;
    *) die "EARLYPAY_STACK must be local, docker or auto (got '$EARLYPAY_STACK')" ;;
  esac
}
compose() { docker compose -f "$COMPOSE_FILE" -p earlypay "$@"; }
# docker handles only the compose ES (default version/port); anything else runs locally
es_is_compose() { [ "$ES_PORT" = 9200 ] && [[ -z $ES_VERSION_SET || $ES_VERSION == 8.* ]]; }

docker_wait_es() {
  local deadline=$((SECONDS + STACK_TIMEOUT))
  until curl -fsS -m 5 "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=2s" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { compose logs --tail 40 elasticsearch >&2 || true; die "Elasticsearch (docker) not healthy after ${STACK_TIMEOUT}s"; }
    sleep 2
  done
}
docker_wait_mysql() {
  local deadline=$((SECONDS + STACK_TIMEOUT))
  until compose exec -T mysql mysql -uroot -N -e "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='$MYSQL_DATABASE'" 2>/dev/null | grep -q 1; do
    [ $SECONDS -lt $deadline ] || { compose logs --tail 40 mysql >&2 || true; die "MySQL (docker) not healthy after ${STACK_TIMEOUT}s"; }
    sleep 2
  done
}
docker_cmd() {
  case $1 in
    up)
      log "docker mode: docker compose up -d (elasticsearch, kibana, mysql)"
      compose up -d >&2
      docker_wait_es; docker_wait_mysql
      write_env_files "http://127.0.0.1:$ES_PORT" "$(es_major "$ES_VERSION")" "es-docker-$ES_PORT"
      write_env "http://127.0.0.1:$ES_PORT"
      print_urls "http://127.0.0.1:$ES_PORT"
      log "Kibana: http://127.0.0.1:5601"
      ;;
    down) compose stop >&2 ;;
    status)
      compose ps >&2 || true
      local rc=0
      if curl -fsS -m 5 "http://127.0.0.1:$ES_PORT/_cluster/health" >/dev/null 2>&1; then echo "elasticsearch docker running http://127.0.0.1:$ES_PORT"; else echo "elasticsearch docker stopped"; rc=3; fi
      if compose exec -T mysql mysqladmin -uroot ping >/dev/null 2>&1; then echo "mysql docker running $(mysql_url)"; else echo "mysql docker stopped"; rc=3; fi
      return $rc
      ;;
    up-es) compose up -d elasticsearch >&2; docker_wait_es; print_urls_es "http://127.0.0.1:$ES_PORT" ;;
    down-es) compose stop elasticsearch >&2 ;;
    kill-es) compose kill -s SIGKILL elasticsearch >&2 ;;
    up-mysql) compose up -d mysql >&2; docker_wait_mysql; print_urls_mysql ;;
    down-mysql) compose stop mysql >&2 ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# env files / output

mysql_url() { echo "mysql://root@127.0.0.1:$MYSQL_PORT/$MYSQL_DATABASE"; }
es_major() { echo "${1%%.*}"; }

write_env_files() { # URL MAJOR NAME
  printf '# written by scripts/stack.sh (%s)\nexport ES_URL=%s\nexport ES%s_URL=%s\n' "$3" "$1" "$2" "$1" | write_file "$STACK_DIR/env.$3"
}
write_env() { # ES_URL
  printf '# written by scripts/stack.sh up: Elasticsearch %s, MariaDB\nexport ES_URL=%s\nexport MYSQL_URL=%s\n' \
    "$ES_VERSION" "$1" "$(mysql_url)" | write_file "$STACK_DIR/env"
}
print_urls_es() { echo "ES_URL=$1"; }
print_urls_mysql() { echo "MYSQL_URL=$(mysql_url)"; }
print_urls() { print_urls_es "$1"; print_urls_mysql; }

# ---------------------------------------------------------------------------------------------
# Elasticsearch

es_name() { echo "es-$1-$2"; }
es_home() { echo "$STACK_DIR/dist/elasticsearch-$1"; }

# es_select_existing: for down/kill/status without ES_VERSION, the instance on ES_PORT that runs
es_select() {
  INST_VERSION=$ES_VERSION
  if [ -z "$ES_VERSION_SET" ]; then
    local d v
    for d in "$STACK_DIR"/es-*-"$ES_PORT"; do
      [ -d "$d" ] || continue
      v=${d##*/es-}; v=${v%-"$ES_PORT"}
      if es_pid_of "$d" >/dev/null; then INST_VERSION=$v; break; fi
    done
  fi
  INST=$STACK_DIR/$(es_name "$INST_VERSION" "$ES_PORT")
}

# es_pid_of INSTDIR: prints the pid of that instance's running ES process; 1 if none
es_pid_of() {
  local inst=$1 pid
  pid=$(read_pid "$inst/es.pid")
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'org\.elasticsearch' || return 1
  # ours if its config is the instance's (env) or its command line names the instance dir
  if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$inst/"; then
    [ -r "/proc/$pid/environ" ] || return 1
    tr '\0' '\n' <"/proc/$pid/environ" | grep -qxF "ES_PATH_CONF=$inst/config" || return 1
  fi
  echo "$pid"
}

es_healthy() { # PORT [WAITSECONDS]
  curl -fsS -m $((${2:-1} + 5)) "http://127.0.0.1:$1/_cluster/health?wait_for_status=yellow&timeout=${2:-1}s" >/dev/null 2>&1
}
es_node_version() { # PORT
  curl -fsS -m 5 "http://127.0.0.1:$1/_nodes/_local?filter_path=nodes.*.version" 2>/dev/null |
    sed -n 's/.*"version":"\([^"]*\)".*/\1/p'
}
es_health_color() {
  curl -fsS -m 5 "http://127.0.0.1:$1/_cluster/health?filter_path=status" 2>/dev/null | sed -n 's/.*"status":"\([^"]*\)".*/\1/p'
}

# java_major JAVA: the Java's feature version (17, 21, 25), empty when it does not run
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | sed 's/^1\.//'
}

# es_java_range VERSION: "MIN MAX" Java feature versions that Elasticsearch VERSION runs on
# (7.17 and 8.x: 17 and later, 17 preferred as the tested one; 9.x: 21 and later)
es_java_range() { case $(es_major "$1") in 7 | 8) echo "17 24" ;; *) echo "21 99" ;; esac; }

# find_java VERSION: sets JAVA_HOME_FOR_ES to a Java that runs Elasticsearch VERSION.
# Order: ES_JAVA_HOME (checked, never second-guessed), then the JDKs in /usr/lib/jvm (the
# lowest suitable feature version first: for 7.x/8.x Java 17, for 9.x the machine's Temurin
# 21+), then JAVA_HOME, then `java` on PATH; for 7.x/8.x Java 17 is apt-installed if none fits.
find_java() {
  local v=$1 min max range j m cand
  range=$(es_java_range "$v"); min=${range% *}; max=${range#* }
  if [ -n "${ES_JAVA_HOME:-}" ]; then
    [ -x "$ES_JAVA_HOME/bin/java" ] || die "ES_JAVA_HOME=$ES_JAVA_HOME has no bin/java"
    m=$(java_major "$ES_JAVA_HOME/bin/java")
    [ -n "$m" ] && [ "$m" -ge "$min" ] ||
      die "ES_JAVA_HOME=$ES_JAVA_HOME is Java ${m:-?}; Elasticsearch $v needs Java $min or later (unset ES_JAVA_HOME to let this script pick one from /usr/lib/jvm)"
    JAVA_HOME_FOR_ES=$ES_JAVA_HOME; return
  fi
  local best= bestm=
  for cand in /usr/lib/jvm/*/bin/java ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null || true)"; do
    [ -n "$cand" ] && [ -x "$cand" ] || continue
    j=$(readlink -f "$cand"); m=$(java_major "$j")
    [ -n "$m" ] && [ "$m" -ge "$min" ] && [ "$m" -le "$max" ] || continue
    if [ -z "$best" ] || [ "$m" -lt "$bestm" ]; then best=${j%/bin/java}; bestm=$m; fi
  done
  if [ -n "$best" ]; then JAVA_HOME_FOR_ES=$best; return; fi
  if [ "$min" -le 17 ] && [ -z "${FIND_JAVA_INSTALLED:-}" ]; then
    apt_install openjdk-17-jre-headless; FIND_JAVA_INSTALLED=1 find_java "$v"; return
  fi
  die "Elasticsearch $v needs Java $min or later and none was found (looked in /usr/lib/jvm, JAVA_HOME, PATH); install one, e.g. 'apt-get install temurin-21-jdk' (Adoptium) or 'apt-get install openjdk-21-jre-headless', or set ES_JAVA_HOME to its directory"
}

es_fetch() { # VERSION: make sure $STACK_DIR/dist/elasticsearch-VERSION exists
  local v=$1 home dist zip tmp
  home=$(es_home "$v"); dist=$STACK_DIR/dist
  [ -x "$home/bin/elasticsearch" ] && return 0
  # Two instances of one version started at once (the fault tests do) must not fetch and
  # unpack the same zip side by side: one would delete it under the other.
  take_lock 7 "dist-$v"
  if [ -x "$home/bin/elasticsearch" ]; then exec 7>&-; return 0; fi
  mkdir -p "$dist"; chmod 755 "$dist"
  zip=$dist/elasticsearch-$v.zip
  if [ ! -s "$zip" ]; then
    need mvn maven
    log "fetching org.elasticsearch.distribution.integ-test-zip:elasticsearch:$v:zip with Maven"
    if ! mvn -B -q "$MAVEN_DEPENDENCY_PLUGIN:copy" \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$v:zip" \
      -DoutputDirectory="$dist" -Dmdep.overWriteReleases=true >"$dist/mvn-$v.log" 2>&1; then
      tail_log "$dist/mvn-$v.log"; die "Maven could not fetch Elasticsearch $v (integ-test-zip)"
    fi
    [ -s "$zip" ] || die "Maven ran but $zip is missing"
  fi
  need unzip unzip
  log "unpacking $(basename "$zip")"
  tmp=$(mktemp -d "$dist/.unzip-$v.XXXXXX")
  unzip -q "$zip" -d "$tmp" || { rm -rf "$tmp"; die "unzip $zip failed"; }
  [ -x "$tmp/elasticsearch-$v/bin/elasticsearch" ] || { rm -rf "$tmp"; die "$zip does not contain elasticsearch-$v/bin/elasticsearch"; }
  chmod -R a+rX "$tmp/elasticsearch-$v"
  rm -rf "$home"; mv "$tmp/elasticsearch-$v" "$home"; rm -rf "$tmp" "$zip"
  exec 7>&-
}

ensure_es_user() {
  is_root || return 0
  id -u "$ES_USER" >/dev/null 2>&1 && return 0
  log "creating system user $ES_USER"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$ES_USER" ||
    die "useradd $ES_USER failed"
}

# es_args INSTDIR: fills ES_ARGS (the -E options: defaults, then ES_SETTINGS overriding them)
es_args() { # INSTDIR HOME
  local inst=$1 home=$2 kv key
  local -A s=()
  local -a order=()
  add() { [ -n "${s[$1]+x}" ] || order+=("$1"); s[$1]=$2; }
  add cluster.name earlypay
  add node.name "$(basename "$inst")"
  if [ "$ES_NODES" = 1 ]; then
    add discovery.type single-node
  else
    # one cluster over ES_PORT.. and ES_TRANSPORT_PORT..; its own name, so that it never joins
    # (or is joined by) another instance on this machine
    local i seeds= masters=
    for ((i = 0; i < ES_NODES; i++)); do
      seeds+=${seeds:+,}127.0.0.1:$((CLUSTER_TRANSPORT_PORT + i))
      masters+=${masters:+,}$(es_name "$ES_VERSION" $((CLUSTER_PORT + i)))
    done
    add cluster.name "earlypay-cluster-$CLUSTER_PORT"
    add discovery.seed_hosts "$seeds"
    # used only when the cluster forms the first time; ignored once it has
    add cluster.initial_master_nodes "$masters"
  fi
  add network.host 127.0.0.1
  add http.port "$ES_PORT"
  add transport.port "$ES_TRANSPORT_PORT"
  add path.data "$inst/data"
  add path.logs "$inst/logs"
  # the integ-test-zip ships only a few modules; their settings exist only when they do
  [ ! -d "$home/modules/ingest-geoip" ] || add ingest.geoip.downloader.enabled false
  [ ! -d "$home/modules/x-pack-security" ] || add xpack.security.enabled false
  add cluster.routing.allocation.disk.threshold_enabled false
  add action.destructive_requires_name false
  for kv in $ES_SETTINGS; do
    [[ $kv == *=* && ${kv%%=*} != "" ]] || die "ES_SETTINGS: '$kv' is not key=value"
    add "${kv%%=*}" "${kv#*=}"
  done
  ES_ARGS=()
  for key in "${order[@]}"; do ES_ARGS+=("-E$key=${s[$key]}"); done
}

# es_launch_differs INSTDIR: a running instance was started with another ES_HEAP/ES_SETTINGS
# than the ones given explicitly now (unset variables never force a restart)
es_launch_differs() {
  local inst=$1 heap=1g settings=
  if [ -f "$inst/launch.env" ]; then
    heap=$(sed -n 's/^heap=//p' "$inst/launch.env"); settings=$(sed -n 's/^settings=//p' "$inst/launch.env")
  fi
  { [ -n "$ES_HEAP_SET" ] && [ "$ES_HEAP" != "$heap" ]; } ||
    { [ -n "$ES_SETTINGS_SET" ] && [ "$(echo $ES_SETTINGS)" != "$settings" ]; }
}

es_up() {
  local v=$ES_VERSION name inst home pid url="http://127.0.0.1:$ES_PORT"
  name=$(es_name "$v" "$ES_PORT"); inst=$STACK_DIR/$name; home=$(es_home "$v")
  take_lock 8 "$name"
  if pid=$(es_pid_of "$inst"); then
    # running: restart only if ES_HEAP/ES_SETTINGS were given and differ from its launch
    if es_launch_differs "$inst"; then
      log "$name runs with another ES_HEAP/ES_SETTINGS: restarting it"
      es_stop_inst "$inst"
    else
      if [ -z "${ES_NO_WAIT:-}" ] && ! es_healthy "$ES_PORT"; then
        log "$name (pid $pid) is running; waiting for it to become healthy"
        es_wait "$inst" "" ""
      fi
      log "Elasticsearch $v already running: $url (pid $pid)"
      write_env_files "$url" "$(es_major "$v")" "$name"
      return 0
    fi
  fi

  # not ours: an Elasticsearch of the same version already answering there (another checkout's
  # stack on the same machine, a service the user runs) is used as it is, never restarted --
  # unless ES_SETTINGS was given, which asks for an instance of our own with those settings
  if [ -z "$ES_SETTINGS_SET" ] && port_open "$ES_PORT" && [ "$(es_node_version "$ES_PORT")" = "$v" ] && es_healthy "$ES_PORT" 5; then
    log "Elasticsearch $v already answering at $url (not started from $STACK_DIR): using it"
    write_env_files "$url" "$(es_major "$v")" "$name"
    return 0
  fi

  # not running: make sure nothing else holds the ports
  local p other
  for p in "$ES_PORT" "$ES_TRANSPORT_PORT"; do
    if port_open "$p"; then
      other=""
      for d in "$STACK_DIR"/es-*-"$ES_PORT"; do [ -d "$d" ] && [ "$d" != "$inst" ] && es_pid_of "$d" >/dev/null && other=" (by $(basename "$d"); stop it with: ES_VERSION=$(basename "$d" | cut -d- -f2) ES_PORT=$ES_PORT bash scripts/stack.sh down-es)"; done
      die "port $p is already in use$other; choose another ES_PORT (transport port = ES_PORT+100 unless ES_TRANSPORT_PORT is set)"
    fi
  done

  need curl curl
  command -v ps >/dev/null 2>&1 || apt_install procps # ES 7's bin/elasticsearch -d calls ps
  es_fetch "$v"
  find_java "$v"
  ensure_es_user
  es_args "$inst" "$home"

  mkdir -p "$inst"/{config,data,logs,tmp}
  [ -f "$inst/config/jvm.options" ] || cp -a "$home/config/." "$inst/config/"
  # 7.x's jvm.options names logs/ and data relative to the distribution (shared, read-only here)
  sed -i -e "s#\([=:]\)logs/#\1$inst/logs/#g" -e "s#HeapDumpPath=data\$#HeapDumpPath=$inst/data#" "$inst/config/jvm.options"
  local user=
  if is_root; then
    user=$ES_USER
    chown -R "$ES_USER:" "$inst"
    can_reach "$user" "$inst" && run_as "$user" test -x "$home/bin/elasticsearch" ||
      die "user $ES_USER cannot reach $inst (a parent directory is not searchable by others); chmod o+x the parents or set STACK_DIR to e.g. /var/tmp/earlypay-stack"
  fi
  rm -f "$inst/es.pid"
  printf 'heap=%s\nsettings=%s\n' "$ES_HEAP" "$(echo $ES_SETTINGS)" | write_file "$inst/launch.env"

  log "starting Elasticsearch $v on $url (instance $inst, Java $JAVA_HOME_FOR_ES, heap $ES_HEAP${ES_SETTINGS:+, settings: $ES_SETTINGS})"
  local hard
  hard=$(ulimit -Hn)
  (
    cd "$inst"
    ulimit -n "$hard" 2>/dev/null || true
    exec setsid ${user:+runuser -u "$user" --} env -i \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$inst" LANG=C.UTF-8 \
      ES_JAVA_HOME="$JAVA_HOME_FOR_ES" ES_PATH_CONF="$inst/config" ES_TMPDIR="$inst/tmp" \
      ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
      "$home/bin/elasticsearch" -d -p "$inst/es.pid" "${ES_ARGS[@]}"
  ) </dev/null >"$inst/startup.out" 2>&1 8>&- 9>&- &
  local launcher=$!
  # a cluster's node cannot become healthy before enough of the others run: es_cluster_up
  # launches them all, then waits
  if [ -n "${ES_NO_WAIT:-}" ]; then log "launched $name"; return 0; fi
  es_wait "$inst" "$launcher" 1
  pid=$(es_pid_of "$inst" || true)
  local got
  got=$(es_node_version "$ES_PORT")
  [ "$got" = "$v" ] || log "warning: the node on port $ES_PORT reports version '$got', expected $v"
  log "Elasticsearch $v is up: $url (pid $pid, ${SECONDS}s since stack.sh started)"
  write_env_files "$url" "$(es_major "$v")" "$name"
}

CLUSTER_PORT=$ES_PORT
CLUSTER_TRANSPORT_PORT=$ES_TRANSPORT_PORT

# es_urls: the HTTP URLs of the ES_NODES nodes from ES_PORT on, comma-separated
es_urls() {
  local i urls=
  for ((i = 0; i < ES_NODES; i++)); do urls+=${urls:+,}http://127.0.0.1:$((CLUSTER_PORT + i)); done
  echo "$urls"
}

# es_each_node FUNCTION: FUNCTION once per node, with ES_PORT/ES_TRANSPORT_PORT set to its ports
es_each_node() {
  local i
  for ((i = 0; i < ES_NODES; i++)); do
    (ES_PORT=$((CLUSTER_PORT + i)) ES_TRANSPORT_PORT=$((CLUSTER_TRANSPORT_PORT + i)) "$@") || exit 1
  done
}

es_wait_node() { es_wait "$STACK_DIR/$(es_name "$ES_VERSION" "$ES_PORT")" "" ""; }

# es_cluster_up: ES_NODES nodes of one cluster (ES_NODES=1: the single-node instance)
es_cluster_up() {
  if [ "$ES_NODES" = 1 ]; then es_up; return; fi
  log "cluster of $ES_NODES nodes: HTTP ports $CLUSTER_PORT-$((CLUSTER_PORT + ES_NODES - 1)), transport $CLUSTER_TRANSPORT_PORT-$((CLUSTER_TRANSPORT_PORT + ES_NODES - 1)), heap $ES_HEAP each"
  ES_NO_WAIT=1 es_each_node es_up
  es_each_node es_wait_node
  log "cluster is up: $(es_urls)"
  write_env_files "$(es_urls)" "$(es_major "$ES_VERSION")" "es-$ES_VERSION-cluster-$CLUSTER_PORT"
}

# es_wait INSTDIR LAUNCHER_PID FRESH: wait for health, fail early when the process died
es_wait() {
  local inst=$1 launcher=$2 deadline=$((SECONDS + STACK_TIMEOUT)) launcher_gone_at= pid
  local logs=("$inst/startup.out" "$inst/logs/earlypay.log")
  until es_healthy "$ES_PORT" 1; do
    pid=$(read_pid "$inst/es.pid")
    if [ -n "$pid" ] && ! pid_alive "$pid"; then
      tail_log "${logs[@]}"; die "Elasticsearch ($(basename "$inst")) exited during startup; logs: ${logs[*]}"
    fi
    if [ -n "$launcher" ] && ! pid_alive "$launcher"; then
      local lrc=0
      wait "$launcher" 2>/dev/null || lrc=$?
      if [ "$lrc" -ne 0 ] && [ "$lrc" -ne 127 ] && ! es_healthy "$ES_PORT" 1; then
        tail_log "${logs[@]}"; die "Elasticsearch ($(basename "$inst")) failed to start (launcher exit code $lrc); logs: ${logs[*]}"
      fi
      if [ -z "$pid" ]; then
        launcher_gone_at=${launcher_gone_at:-$SECONDS}
        if [ $((SECONDS - launcher_gone_at)) -gt 30 ]; then
          tail_log "${logs[@]}"; die "Elasticsearch ($(basename "$inst")) did not start (no pid file); logs: ${logs[*]}"
        fi
      fi
    fi
    if [ $SECONDS -ge $deadline ]; then
      tail_log "${logs[@]}"
      die "Elasticsearch ($(basename "$inst")) not healthy after ${STACK_TIMEOUT}s (pid ${pid:-?} left running: re-run to keep waiting, or down-es; STACK_TIMEOUT raises the limit)"
    fi
    sleep 1
  done
}

es_stop_inst() { # INSTDIR
  local inst=$1 pid
  if ! pid=$(es_pid_of "$inst"); then
    rm -f "$inst/es.pid"; return 0
  fi
  log "stopping Elasticsearch $(basename "$inst") (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" 60; then
    log "still running after 60s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || die "could not stop pid $pid"
  fi
  rm -f "$inst/es.pid"
}

es_down() {
  es_select
  take_lock 8 "$(basename "$INST")"
  if es_pid_of "$INST" >/dev/null; then es_stop_inst "$INST"; else log "Elasticsearch $(basename "$INST") is not running"; fi
}

es_kill() {
  es_select
  local pid
  pid=$(es_pid_of "$INST") || { log "Elasticsearch $(basename "$INST") is not running"; return 0; }
  log "SIGKILL Elasticsearch $(basename "$INST") (pid $pid)"
  kill -KILL "$pid"
  wait_gone "$pid" 10 || die "pid $pid survived SIGKILL"
}

es_down_all() {
  local d
  for d in "$STACK_DIR"/es-*-*; do
    [ -d "$d" ] || continue
    take_lock 8 "$(basename "$d")"
    es_stop_inst "$d"
  done
}

# es_status_line INSTDIR: prints a line; returns 0 when running and healthy
es_status_line() {
  local inst=$1 name port pid ver color
  name=$(basename "$inst"); port=${name##*-}
  if pid=$(es_pid_of "$inst"); then
    ver=$(es_node_version "$port"); color=$(es_health_color "$port")
    if [ -n "$color" ] && [ "$color" != red ]; then
      printf 'elasticsearch  %-22s running   http://127.0.0.1:%s  version=%s  health=%s  pid=%s\n' "$name" "$port" "${ver:-?}" "$color" "$pid"
      return 0
    fi
    printf 'elasticsearch  %-22s starting  http://127.0.0.1:%s  health=%s  pid=%s\n' "$name" "$port" "${color:-none}" "$pid"
    return 1
  fi
  # not started from this STACK_DIR but serving there (another checkout's stack, which `up`
  # reuses): up, and said so
  color=$(es_health_color "$port")
  if [ -n "$color" ] && [ "$color" != red ]; then
    ver=$(es_node_version "$port")
    printf 'elasticsearch  %-22s running   http://127.0.0.1:%s  version=%s  health=%s  (reused: not started from %s)\n' "$name" "$port" "${ver:-?}" "$color" "$STACK_DIR"
    return 0
  fi
  printf 'elasticsearch  %-22s stopped   http://127.0.0.1:%s\n' "$name" "$port"
  return 1
}

# ---------------------------------------------------------------------------------------------
# MariaDB

MY_DIR=$STACK_DIR/mysql
MY_DATA=$MY_DIR/data
MY_PIDFILE=$MY_DIR/mysqld.pid
MY_ERRLOG=$MY_DIR/mysqld.err
MY_SOCK=$MY_DIR/mysqld.sock
# unix socket paths are limited to ~107 bytes
if [ ${#MY_SOCK} -gt 100 ]; then MY_SOCK=/tmp/earlypay-mysql-$(printf '%s' "$MY_DIR" | cksum | cut -d' ' -f1).sock; fi

my_bins() {
  MY_SERVER=$(command -v mariadbd || command -v mysqld || true)
  for p in /usr/sbin/mariadbd /usr/sbin/mysqld; do [ -n "$MY_SERVER" ] || { [ -x "$p" ] && MY_SERVER=$p; }; done
  MY_CLIENT=$(command -v mariadb || command -v mysql || true)
  MY_ADMIN=$(command -v mariadb-admin || command -v mysqladmin || true)
  MY_INSTALL_DB=$(command -v mariadb-install-db || command -v mysql_install_db || true)
  [ -n "$MY_SERVER" ] && [ -n "$MY_CLIENT" ] && [ -n "$MY_ADMIN" ] && [ -n "$MY_INSTALL_DB" ]
}
my_need_bins() {
  my_bins && return 0
  apt_install mariadb-server mariadb-client
  my_bins || die "mariadb-server/mariadb-client installed but mariadbd/mariadb/mariadb-admin/mariadb-install-db not found"
}

my_pid() {
  local pid
  pid=$(read_pid "$MY_PIDFILE")
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--datadir=$MY_DATA" || return 1
  echo "$pid"
}
my_sock() { "$MY_CLIENT" --no-defaults --protocol=socket --socket="$MY_SOCK" -uroot "$@"; }
my_tcp() { "$MY_CLIENT" --no-defaults --protocol=tcp -h127.0.0.1 -P"$MYSQL_PORT" -uroot "$@"; }
my_ping() { "$MY_ADMIN" --no-defaults --protocol=socket --socket="$MY_SOCK" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }
my_healthy() {
  my_ping && [ "$(my_tcp -N -B -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='$MYSQL_DATABASE'" 2>/dev/null)" = "$MYSQL_DATABASE" ]
}

my_provision() {
  log "MariaDB: root@127.0.0.1 without password, all privileges; database $MYSQL_DATABASE (utf8mb4)"
  my_sock <<SQL || { tail_log "$MY_ERRLOG"; die "could not provision MariaDB over $MY_SOCK"; }
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\` CHARACTER SET utf8mb4;
SQL
}

my_up() {
  local pid url
  url=$(mysql_url)
  take_lock 9 mysql
  if pid=$(my_pid); then
    my_bins || die "MariaDB runs (pid $pid) but its client tools are missing"
    if ! my_healthy; then
      my_wait_ping ""
      my_healthy || my_provision
      my_healthy || die "MariaDB (pid $pid) answers but root@127.0.0.1 cannot see database $MYSQL_DATABASE"
    fi
    log "MariaDB already running: $url (pid $pid)"
    printf 'export MYSQL_URL=%s\n' "$url" | write_file "$STACK_DIR/env.mysql"
    return 0
  fi
  if port_open "$MYSQL_PORT"; then
    # not ours: a MySQL/MariaDB there that root@127.0.0.1 may use without a password (another
    # checkout's stack on the same machine) is used as it is
    if my_bins && my_tcp -N -B -e "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\` CHARACTER SET utf8mb4" >/dev/null 2>&1; then
      log "MySQL already answering at $url for root@127.0.0.1 (not started from $STACK_DIR): using it"
      printf 'export MYSQL_URL=%s\n' "$url" | write_file "$STACK_DIR/env.mysql"
      return 0
    fi
    die "port $MYSQL_PORT is already in use by another process (a system MySQL/MariaDB service?); stop it or choose another MYSQL_PORT"
  fi
  my_need_bins
  mkdir -p "$MY_DIR"
  local user=
  if is_root; then
    user=mysql
    id -u mysql >/dev/null 2>&1 || die "user 'mysql' is missing (it comes with mariadb-server)"
    chown mysql: "$MY_DIR"
    can_reach mysql "$MY_DIR" ||
      die "user mysql cannot reach $MY_DIR (a parent directory is not searchable by others); chmod o+x the parents or set STACK_DIR to e.g. /var/tmp/earlypay-stack"
  fi
  if [ ! -d "$MY_DATA/mysql" ]; then
    rm -rf "$MY_DATA"; mkdir -p "$MY_DATA"
    [ -z "$user" ] || chown mysql: "$MY_DATA"
    log "initialising MariaDB data directory $MY_DATA"
    if ! "$MY_INSTALL_DB" --no-defaults --datadir="$MY_DATA" ${user:+--user=$user} \
      --auth-root-authentication-method=normal --skip-test-db >"$MY_DIR/install-db.log" 2>&1; then
      tail_log "$MY_DIR/install-db.log"; rm -rf "$MY_DATA"; die "mariadb-install-db failed"
    fi
  fi
  [ -z "$user" ] || chown -R mysql: "$MY_DIR"
  rm -f "$MY_PIDFILE"
  log "starting MariaDB on 127.0.0.1:$MYSQL_PORT (datadir $MY_DATA)"
  local -a extra=()
  # shellcheck disable=SC2206
  [ -z "$MYSQL_ARGS" ] || extra=($MYSQL_ARGS)
  setsid "$MY_SERVER" --no-defaults \
    --datadir="$MY_DATA" --socket="$MY_SOCK" --pid-file="$MY_PIDFILE" --log-error="$MY_ERRLOG" \
    ${user:+--user=$user} --port="$MYSQL_PORT" --bind-address=127.0.0.1 --skip-name-resolve \
    --max-connections=500 --innodb-buffer-pool-size="$MYSQL_BUFFER_POOL" \
    --innodb-flush-log-at-trx-commit=2 --max-allowed-packet=64M \
    --character-set-server=utf8mb4 "${extra[@]}" \
    </dev/null >>"$MY_DIR/mysqld.out" 2>&1 8>&- 9>&- &
  local launcher=$!
  my_wait_ping "$launcher"
  my_healthy || my_provision
  my_healthy || { tail_log "$MY_ERRLOG"; die "MariaDB is up but root@127.0.0.1 cannot see database $MYSQL_DATABASE over TCP"; }
  pid=$(my_pid || true)
  log "MariaDB is up: $url (pid $pid, ${SECONDS}s since stack.sh started)"
  printf 'export MYSQL_URL=%s\n' "$url" | write_file "$STACK_DIR/env.mysql"
}

my_wait_ping() { # LAUNCHER_PID
  local launcher=$1 deadline=$((SECONDS + STACK_TIMEOUT))
  until my_ping; do
    if [ -n "$launcher" ] && ! pid_alive "$launcher"; then
      tail_log "$MY_ERRLOG" "$MY_DIR/mysqld.out"; die "MariaDB exited during startup; log: $MY_ERRLOG"
    fi
    if [ $SECONDS -ge $deadline ]; then
      tail_log "$MY_ERRLOG"; die "MariaDB not answering after ${STACK_TIMEOUT}s; log: $MY_ERRLOG"
    fi
    sleep 0.5
  done
}

my_down() {
  local pid
  take_lock 9 mysql
  pid=$(my_pid) || { log "MariaDB is not running"; rm -f "$MY_PIDFILE"; return 0; }
  log "stopping MariaDB (pid $pid)"
  if my_bins; then "$MY_ADMIN" --no-defaults --protocol=socket --socket="$MY_SOCK" -uroot shutdown >/dev/null 2>&1 || true; fi
  if ! wait_gone "$pid" 60; then
    log "MariaDB still running: SIGTERM"
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 60 || { kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 10 || true; }
  fi
}

my_status_line() {
  local pid ver
  if pid=$(my_pid) && my_bins; then
    if my_healthy; then
      ver=$(my_tcp -N -B -e 'SELECT VERSION()' 2>/dev/null || true)
      printf 'mysql          %-22s running   %s  version=%s  pid=%s\n' mariadb "$(mysql_url)" "${ver:-?}" "$pid"
      return 0
    fi
    printf 'mysql          %-22s unhealthy %s  pid=%s\n' mariadb "$(mysql_url)" "$pid"
    return 1
  fi
  if my_bins && port_open "$MYSQL_PORT" &&
    [ "$(my_tcp -N -B -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='$MYSQL_DATABASE'" 2>/dev/null)" = "$MYSQL_DATABASE" ]; then
    ver=$(my_tcp -N -B -e 'SELECT VERSION()' 2>/dev/null || true)
    printf 'mysql          %-22s running   %s  version=%s  (reused: not started from %s)\n' mariadb "$(mysql_url)" "${ver:-?}" "$STACK_DIR"
    return 0
  fi
  printf 'mysql          %-22s stopped   %s\n' mariadb "$(mysql_url)"
  return 1
}

# ---------------------------------------------------------------------------------------------

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
}

cmd=${1:-}
case $cmd in
  up | down | status | up-es | down-es | kill-es | up-mysql | down-mysql) ;;
  -h | --help | help) usage; exit 0 ;;
  *) usage; die "unknown command '${cmd}'" ;;
esac

if [ "$(stack_mode)" = docker ]; then
  case $cmd in
    up-es | down-es | kill-es) if es_is_compose; then docker_cmd "$cmd"; exit; fi ;;
    *) docker_cmd "$cmd"; exit ;;
  esac
fi

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
esac
