# shellcheck shell=bash
# Processes of the servers: launch as a session leader with a recorded PID,
# recognise it again (never a recycled PID), wait until it answers, stop it.
# Each takes a service NAME and reads PIDFILE/MATCH/PROBE/PORT/LOGS[NAME]
# (see services.sh).

read_pid() {
  local pid=""
  [[ -f ${PIDFILE[$1]} ]] && pid=$(<"${PIDFILE[$1]}")
  [[ $pid =~ ^[0-9]+$ ]] && printf '%s' "$pid"
}

# proc_info PID: set PROC_STATE (R, S, Z, ...), PROC_PGRP and PROC_CMDLINE
# (arguments joined by spaces) from /proc; fails if there is no such process.
# (/proc rather than ps: procps is not on every minimal Debian.)
proc_info() {
  local stat rest args=()
  { IFS= read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  rest=${stat##*) } # after "pid (comm) "; comm may contain spaces
  read -r PROC_STATE _ PROC_PGRP _ <<<"$rest"
  { mapfile -d '' -t args <"/proc/$1/cmdline"; } 2>/dev/null || args=()
  PROC_CMDLINE=${args[*]}
}

# Is PID a live (not zombie: PID 1 here does not reap) process whose command
# line contains MATCH?
pid_alive() {
  proc_info "$1" || return 1
  [[ $PROC_STATE != Z && $PROC_CMDLINE == *"$2"* ]]
}

# Live members of process group PGID (we start every server as a session and
# group leader with setsid) whose command line contains MATCH.  A process that
# is exiting has an empty cmdline before it closes its sockets: count it too.
group_members() {
  local pgid=$1 match=$2 dir p
  for dir in /proc/[0-9]*; do
    p=${dir#/proc/}
    proc_info "$p" || continue
    [[ $PROC_PGRP == "$pgid" && $PROC_STATE != Z ]] || continue
    if [[ -z $PROC_CMDLINE || $PROC_CMDLINE == *"$match"* ]]; then printf '%s\n' "$p"; fi
  done
  return 0
}

# Is PID a live process that is MATCH or on its way to it?  A server launched
# through a chain of execs (setsid, unshare, chroot: in-root.sh) shows an empty
# cmdline for a moment while each exec replaces the image; the 2025.1 start in
# CI took that moment for a dead Keystone.  Only used while waiting for a PID
# we launched seconds ago, where a recycled PID is not a concern.
pid_starting() {
  proc_info "$1" || return 1
  [[ $PROC_STATE != Z && (-z $PROC_CMDLINE || $PROC_CMDLINE == *"$2"*) ]]
}

# up = recorded PID alive and the server answering.
is_up() {
  local pid
  pid=$(read_pid "$1") || return 1
  pid_alive "$pid" "${MATCH[$1]}" && http_ok "${PROBE[$1]}"
}

show_logs() {
  local f
  for f in ${LOGS[$1]}; do
    [[ -s $f ]] || continue
    printf '\n----- last 40 lines of %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
  printf -- '-----\n' >&2
}

# launch_into STDOUT_LOG PIDFILE COMMAND...: start COMMAND as its own
# session/group leader, output appended to STDOUT_LOG, PID written to PIDFILE.
launch_into() {
  local stdout_log=$1 pidfile=$2
  shift 2
  printf '=== %s %s\n' "$(date '+%F %T')" "$*" >>"$stdout_log"
  # setsid: own session and process group (stop signals only that group).
  # Close every inherited descriptor above 2 (our lock on fd 9, and pipes of
  # whoever called us, which would otherwise never see EOF).  The subshell
  # execs setsid, which execs the server: $! is the server's PID.
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    exec setsid "$@"
  ) </dev/null >>"$stdout_log" 2>&1 &
  printf '%s\n' "$!" >"$pidfile"
}

# launch NAME COMMAND...: launch_into the service's first log and its pid file.
launch() {
  local name=$1
  shift
  launch_into "${LOGS[$name]%% *}" "${PIDFILE[$name]}" "$@"
}

# The [uwsgi] lines every API server here shares (Keystone, Octavia): one
# process of 4 threads that dies with its master, and "Connection: close",
# which keeps keystonemiddleware from reusing sockets uwsgi has closed
# (spurious 401s).
uwsgi_server_options() {
  cat <<'EOF'
master = true
processes = 1
threads = 4
enable-threads = true
lazy-apps = true
buffer-size = 65535
die-on-term = true
no-orphans = true
need-app = true
add-header = Connection: close
EOF
}

wait_until_up() {
  local name=$1 pid deadline
  pid=$(read_pid "$name") || die "$name: no pid file"
  deadline=$((SECONDS + TIMEOUT))
  until http_ok "${PROBE[$name]}"; do
    if ! pid_starting "$pid" "${MATCH[$name]}"; then
      show_logs "$name"
      die "$name (pid $pid) exited during start-up; logs: ${LOGS[$name]}"
    fi
    if ((SECONDS >= deadline)); then
      show_logs "$name"
      die "$name (pid $pid) did not answer ${PROBE[$name]} within ${TIMEOUT}s; logs: ${LOGS[$name]}"
    fi
    sleep 0.2
  done
}

stop_server() {
  local name=$1 pid members i
  if ! pid=$(read_pid "$name"); then
    rm -f "${PIDFILE[$name]}"
    return 0
  fi
  members=$(group_members "$pid" "${MATCH[$name]}")
  if [[ -n $members ]]; then
    log "stopping $name (pid $pid)"
    if pid_alive "$pid" "${MATCH[$name]}"; then
      # The leader stops its own workers (uwsgi die-on-term; glance-api's
      # parent kills its children).
      kill -TERM "$pid" 2>/dev/null || true
    else
      # shellcheck disable=SC2086 # word splitting of the PID list is intended
      kill -TERM $members 2>/dev/null || true
    fi
    for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
      members=$(group_members "$pid" "${MATCH[$name]}")
      [[ -n $members ]] || break
      sleep 0.2
    done
    if [[ -n $members ]]; then
      log "$name did not stop within ${STOP_TIMEOUT}s; sending SIGKILL to ${members//$'\n'/ }"
      # shellcheck disable=SC2086
      kill -KILL $members 2>/dev/null || true
      for ((i = 0; i < 25; i++)); do
        members=$(group_members "$pid" "${MATCH[$name]}")
        [[ -n $members ]] || break
        sleep 0.2
      done
      [[ -z $members ]] || die "could not stop $name: still running: ${members//$'\n'/ }"
    fi
  fi
  rm -f "${PIDFILE[$name]}"
}

check_port_free() { # NAME [TRIES]
  local i
  # A server we have just stopped may take a moment to release its socket.
  for ((i = 0; i < ${2:-25}; i++)); do
    port_open "${PORT[$1]}" || return 0
    sleep 0.2
  done
  if port_open "${PORT[$1]}"; then
    die "port $HOST:${PORT[$1]} is in use by a process that $WORKDIR did not start" \
      "(another local cloud with another LOCAL_OPENSTACK_DIR?); see: ss -ltnp 'sport = :${PORT[$1]}'"
  fi
}

# Like check_port_free, but a port held by our own recorded (hung) server is
# fine: stop_server deals with that.
check_port_not_foreign() {
  local pid
  if pid=$(read_pid "$1") && [[ -n $(group_members "$pid" "${MATCH[$1]}") ]]; then
    return 0
  fi
  check_port_free "$1" 1
}
