# scripts/stack/elasticsearch.sh — sourced by scripts/stack.sh after common.sh: one
# Elasticsearch instance or an ES_NODES cluster from the integ-test-zip distribution (fetch,
# Java selection, launch, health, stop, kill, status).

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
  curl -fsS -m $((${2:-1} + 5)) "http://127.0.0.1:$1/_cluster/health?wait_for_status=yellow&timeout=${2:-1}s" \
    >/dev/null 2>&1
}
es_node_version() { # PORT
  curl -fsS -m 5 "http://127.0.0.1:$1/_nodes/_local?filter_path=nodes.*.version" 2>/dev/null |
    sed -n 's/.*"version":"\([^"]*\)".*/\1/p'
}
es_health_color() {
  curl -fsS -m 5 "http://127.0.0.1:$1/_cluster/health?filter_path=status" 2>/dev/null |
    sed -n 's/.*"status":"\([^"]*\)".*/\1/p'
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
      die "ES_JAVA_HOME=$ES_JAVA_HOME is Java ${m:-?}; Elasticsearch $v needs Java $min or later" \
        "(unset ES_JAVA_HOME to let this script pick one from /usr/lib/jvm)"
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
  die "Elasticsearch $v needs Java $min or later and none was found (looked in /usr/lib/jvm, JAVA_HOME, PATH);" \
    "install one, e.g. 'apt-get install temurin-21-jdk' (Adoptium) or 'apt-get install openjdk-21-jre-headless'," \
    "or set ES_JAVA_HOME to its directory"
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
  if [ ! -x "$tmp/elasticsearch-$v/bin/elasticsearch" ]; then
    rm -rf "$tmp"
    die "$zip does not contain elasticsearch-$v/bin/elasticsearch"
  fi
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
  if [ -z "$ES_SETTINGS_SET" ] && port_open "$ES_PORT" && [ "$(es_node_version "$ES_PORT")" = "$v" ] &&
    es_healthy "$ES_PORT" 5; then
    log "Elasticsearch $v already answering at $url (not started from $STACK_DIR): using it"
    write_env_files "$url" "$(es_major "$v")" "$name"
    return 0
  fi

  # not running: make sure nothing else holds the ports
  local p other
  for p in "$ES_PORT" "$ES_TRANSPORT_PORT"; do
    if port_open "$p"; then
      other=""
      for d in "$STACK_DIR"/es-*-"$ES_PORT"; do
        [ -d "$d" ] && [ "$d" != "$inst" ] && es_pid_of "$d" >/dev/null &&
          other=" (by $(basename "$d"); stop it with:" &&
          other+=" ES_VERSION=$(basename "$d" | cut -d- -f2) ES_PORT=$ES_PORT bash scripts/stack.sh down-es)"
      done
      die "port $p is already in use$other; choose another ES_PORT" \
        "(transport port = ES_PORT+100 unless ES_TRANSPORT_PORT is set)"
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
  sed -i -e "s#\([=:]\)logs/#\1$inst/logs/#g" -e "s#HeapDumpPath=data\$#HeapDumpPath=$inst/data#" \
    "$inst/config/jvm.options"
  local user=
  if is_root; then
    user=$ES_USER
    chown -R "$ES_USER:" "$inst"
    can_reach "$user" "$inst" && run_as "$user" test -x "$home/bin/elasticsearch" ||
      die "user $ES_USER cannot reach $inst (a parent directory is not searchable by others);" \
        "chmod o+x the parents or set STACK_DIR to e.g. /var/tmp/earlypay-stack"
  fi
  rm -f "$inst/es.pid"
  printf 'heap=%s\nsettings=%s\n' "$ES_HEAP" "$(echo $ES_SETTINGS)" | write_file "$inst/launch.env"

  log "starting Elasticsearch $v on $url" \
    "(instance $inst, Java $JAVA_HOME_FOR_ES, heap $ES_HEAP${ES_SETTINGS:+, settings: $ES_SETTINGS})"
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
  log "cluster of $ES_NODES nodes: HTTP ports $CLUSTER_PORT-$((CLUSTER_PORT + ES_NODES - 1))," \
    "transport $CLUSTER_TRANSPORT_PORT-$((CLUSTER_TRANSPORT_PORT + ES_NODES - 1)), heap $ES_HEAP each"
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
        tail_log "${logs[@]}"
        die "Elasticsearch ($(basename "$inst")) failed to start (launcher exit code $lrc); logs: ${logs[*]}"
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
      die "Elasticsearch ($(basename "$inst")) not healthy after ${STACK_TIMEOUT}s (pid ${pid:-?} left running:" \
        "re-run to keep waiting, or down-es; STACK_TIMEOUT raises the limit)"
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
  if es_pid_of "$INST" >/dev/null; then
    es_stop_inst "$INST"
  else
    log "Elasticsearch $(basename "$INST") is not running"
  fi
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
      printf 'elasticsearch  %-22s running   http://127.0.0.1:%s  version=%s  health=%s  pid=%s\n' \
        "$name" "$port" "${ver:-?}" "$color" "$pid"
      return 0
    fi
    printf 'elasticsearch  %-22s starting  http://127.0.0.1:%s  health=%s  pid=%s\n' \
      "$name" "$port" "${color:-none}" "$pid"
    return 1
  fi
  # not started from this STACK_DIR but serving there (another checkout's stack, which `up`
  # reuses): up, and said so
  color=$(es_health_color "$port")
  if [ -n "$color" ] && [ "$color" != red ]; then
    ver=$(es_node_version "$port")
    printf '%s  %-22s running   http://127.0.0.1:%s  version=%s  health=%s  (reused: not started from %s)\n' \
      elasticsearch "$name" "$port" "${ver:-?}" "$color" "$STACK_DIR"
    return 0
  fi
  printf 'elasticsearch  %-22s stopped   http://127.0.0.1:%s\n' "$name" "$port"
  return 1
}
