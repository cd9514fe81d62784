# scripts/stack/common.sh — sourced by scripts/stack.sh (needs REPO_DIR): the settings and
# their checks, the shell helpers both services use (locks, apt, pids, run_as), and the env
# files / URL lines the commands print.

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
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

[[ $ES_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "ES_VERSION must look like 8.19.21 (got '$ES_VERSION')"
[[ $ES_PORT =~ ^[0-9]+$ && $ES_TRANSPORT_PORT =~ ^[0-9]+$ && $MYSQL_PORT =~ ^[0-9]+$ ]] ||
  die "ES_PORT, ES_TRANSPORT_PORT and MYSQL_PORT must be numbers"
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
      die "missing packages: $*; install them with 'sudo apt-get install -y $*'" \
        "(this script is not running as root and has no passwordless sudo)"
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
  if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
    >>"$aptlog" 2>&1; then ok=1
  elif "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >>"$aptlog" 2>&1 &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
      >>"$aptlog" 2>&1; then ok=1
  fi
  [ -n "$made_policy" ] && rm -f "$policy"
  [ -n "$ok" ] || { tail_log "$aptlog"; die "apt-get install $* failed"; }
}

# need CMD PKG: make sure CMD exists, installing PKG if not
need() {
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
  command -v "$1" >/dev/null 2>&1 || die "$1 still missing after installing $2"
}

# run_as USER CMD...: CMD as USER (when root and USER given), else as the current user
run_as() {
  local user=$1; shift
  if is_root && [ -n "$user" ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# can_reach USER DIR: USER can traverse to and write into DIR
can_reach() { run_as "$1" test -x "$2" -a -w "$2"; }

# ---------------------------------------------------------------------------------------------
# env files / output

mysql_url() { echo "mysql://root@127.0.0.1:$MYSQL_PORT/$MYSQL_DATABASE"; }
es_major() { echo "${1%%.*}"; }

write_env_files() { # URL MAJOR NAME
  printf '# written by scripts/stack.sh (%s)\nexport ES_URL=%s\nexport ES%s_URL=%s\n' "$3" "$1" "$2" "$1" |
    write_file "$STACK_DIR/env.$3"
}
write_env() { # ES_URL
  printf '# written by scripts/stack.sh up: Elasticsearch %s, MariaDB\nexport ES_URL=%s\nexport MYSQL_URL=%s\n' \
    "$ES_VERSION" "$1" "$(mysql_url)" | write_file "$STACK_DIR/env"
}
print_urls_es() { echo "ES_URL=$1"; }
print_urls_mysql() { echo "MYSQL_URL=$(mysql_url)"; }
print_urls() { print_urls_es "$1"; print_urls_mysql; }
