# scripts/stack/mariadb.sh — sourced by scripts/stack.sh after common.sh: MariaDB from Debian's
# packages with its data directory under $STACK_DIR/mysql (provision, start, health, stop,
# status).

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
  my_bins ||
    die "mariadb-server/mariadb-client installed but mariadbd/mariadb/mariadb-admin/mariadb-install-db not found"
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
# The database's name when it exists (nothing otherwise), asked over TCP.
my_schema() {
  my_tcp -N -B -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='$MYSQL_DATABASE'" 2>/dev/null
}
my_ping() {
  "$MY_ADMIN" --no-defaults --protocol=socket --socket="$MY_SOCK" -uroot --connect-timeout=2 ping >/dev/null 2>&1
}
my_healthy() {
  my_ping && [ "$(my_schema)" = "$MYSQL_DATABASE" ]
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
    if my_bins &&
      my_tcp -N -B -e "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\` CHARACTER SET utf8mb4" >/dev/null 2>&1; then
      log "MySQL already answering at $url for root@127.0.0.1 (not started from $STACK_DIR): using it"
      printf 'export MYSQL_URL=%s\n' "$url" | write_file "$STACK_DIR/env.mysql"
      return 0
    fi
    die "port $MYSQL_PORT is already in use by another process (a system MySQL/MariaDB service?);" \
      "stop it or choose another MYSQL_PORT"
  fi
  my_need_bins
  mkdir -p "$MY_DIR"
  local user=
  if is_root; then
    user=mysql
    id -u mysql >/dev/null 2>&1 || die "user 'mysql' is missing (it comes with mariadb-server)"
    chown mysql: "$MY_DIR"
    can_reach mysql "$MY_DIR" ||
      die "user mysql cannot reach $MY_DIR (a parent directory is not searchable by others);" \
        "chmod o+x the parents or set STACK_DIR to e.g. /var/tmp/earlypay-stack"
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
  if ! my_healthy; then
    tail_log "$MY_ERRLOG"
    die "MariaDB is up but root@127.0.0.1 cannot see database $MYSQL_DATABASE over TCP"
  fi
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
  if my_bins; then
    "$MY_ADMIN" --no-defaults --protocol=socket --socket="$MY_SOCK" -uroot shutdown >/dev/null 2>&1 || true
  fi
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
    [ "$(my_schema)" = "$MYSQL_DATABASE" ]; then
    ver=$(my_tcp -N -B -e 'SELECT VERSION()' 2>/dev/null || true)
    printf 'mysql          %-22s running   %s  version=%s  (reused: not started from %s)\n' \
      mariadb "$(mysql_url)" "${ver:-?}" "$STACK_DIR"
    return 0
  fi
  printf 'mysql          %-22s stopped   %s\n' mariadb "$(mysql_url)"
  return 1
}
