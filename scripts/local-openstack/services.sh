# shellcheck shell=bash
# The service registry.  A service is one server process (an instance of a
# KIND: keystone, glance, ...).  define_service records what every command
# needs to know about it; the kind's file (keystone.sh, glance.sh) provides
# the hooks, called with the service's name:
#   <kind>_dirs NAME      create its directories
#   <kind>_config NAME    write its config files (on every start)
#   <kind>_prepare NAME   one-time setup (database, keys) when not done yet
#   <kind>_launch NAME    start the server (launch NAME COMMAND..., process.sh)
# and <kind>_after_start (optional, once, after the EARLY services answer).
# A service with a FEATURE runs only when that feature is wanted (start
# --region-two wants "region-two"); a file run/<feature> records that the last
# complete start included it.

SERVICES=() # in start order
declare -A KIND=() FEATURE=() PORT=() URL=() PROBE=() PIDFILE=() MATCH=() LOGS=() LABEL=() WAIT_LABEL=() EARLY=()
declare -A FEATURE_WANTED=()

# define_service NAME KIND FEATURE PORT URL PROBE_PATH MATCH LOGS LABEL WAIT_LABEL [early]
define_service() {
  local name=$1
  SERVICES+=("$name")
  KIND[$name]=$2 FEATURE[$name]=$3 PORT[$name]=$4 URL[$name]=$5 PROBE[$name]=$5$6
  PIDFILE[$name]=$RUN/$name.pid MATCH[$name]=$7 LOGS[$name]=$8
  LABEL[$name]=$9 WAIT_LABEL[$name]=${10} EARLY[$name]=${11:-}
}

want_feature() { FEATURE_WANTED[$1]=1; }
feature_wanted() { [[ -n ${FEATURE_WANTED[$1]:-} ]]; }
feature_file() { printf '%s' "$RUN/$1"; }

# Every feature any service has.
features() {
  local name
  for name in "${SERVICES[@]}"; do
    [[ -n ${FEATURE[$name]} ]] && printf '%s\n' "${FEATURE[$name]}"
  done | sort -u
}

service_wanted() { [[ -z ${FEATURE[$1]} ]] || feature_wanted "${FEATURE[$1]}"; }

wanted_services() {
  local name
  for name in "${SERVICES[@]}"; do
    if service_wanted "$name"; then printf '%s\n' "$name"; fi
  done
}

# Services 'status' shows: the wanted ones, and those of a feature that the
# last start included or that left a pid file.
shown_services() {
  local name
  for name in "${SERVICES[@]}"; do
    if [[ -z ${FEATURE[$name]} || -f $(feature_file "${FEATURE[$name]}") || -f ${PIDFILE[$name]} ]]; then
      printf '%s\n' "$name"
    fi
  done
}

service_hook() { # HOOK NAME
  local fn=${KIND[$2]}_$1
  if declare -F "$fn" >/dev/null; then "$fn" "$2"; fi
}

service_start() { # NAME: setup when needed, then launch (no wait)
  service_hook prepare "$1"
  check_port_free "$1"
  service_hook launch "$1"
}

service_status_line() { # NAME; returns 1 when it is not up
  local name=$1 pid
  pid=$(read_pid "$name") || pid=""
  if [[ -n $pid ]] && pid_alive "$pid" "${MATCH[$name]}"; then
    if http_ok "${PROBE[$name]}"; then
      printf '%-9s %s\n' "$name:" "up        pid $pid  ${PROBE[$name]}"
      return 0
    fi
    printf '%-9s %s\n' "$name:" "not answering (pid $pid alive)  ${PROBE[$name]}"
  elif port_open "${PORT[$name]}"; then
    printf '%-9s %s\n' "$name:" "down here; port ${PORT[$name]} is used by a process this work directory did not start"
  else
    printf '%-9s %s\n' "$name:" "down"
  fi
  return 1
}
