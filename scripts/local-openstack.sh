#!/usr/bin/env bash
# Run a real OpenStack Keystone + Glance (Debian bookworm packages, Zed) on
# 127.0.0.1 for integration tests.  Run `scripts/local-openstack.sh --help`.
#
# The reasons behind the settings are in the comments next to them.
# Everything (config, data, logs, pids) lives in one work directory; nothing in
# /etc is used or changed, apart from installing the Debian packages.
set -euo pipefail

usage() {
  cat <<EOF
Usage: ${0##*/} COMMAND [OPTIONS]

Runs Keystone (http://127.0.0.1:5000/v3, uwsgi) and Glance (http://127.0.0.1:9292,
glance-api) for tests.  Must run as root.  Work directory:
  \$LOCAL_OPENSTACK_DIR, default <repo>/.local-openstack (now: $WORKDIR)

Commands:
  start [--fresh] [--region-two]
                    Install the Debian packages if missing, configure, start both
                    servers and wait until they answer.  A no-op (exit 0) when both
                    recorded servers are alive and answering; starts only what is
                    missing otherwise.  --fresh first stops the servers and wipes the
                    work directory (data, config, logs, passwords): a brand-new cloud.
                    Running servers are not restarted when the config changes: use
                    'stop' + 'start' (or 'restart-glance') for that.
                    --region-two (or LOCAL_OPENSTACK_REGION_TWO=1) also starts a
                    second Glance, region $REGION_TWO (see below).
  stop              Stop the servers this work directory started (SIGTERM, then
                    SIGKILL after ${STOP_TIMEOUT}s).  Data is kept.
  status            Print up/down for each server; exit 0 only when both answer
                    (all three after a start with --region-two).
  env [--path]      Print the contents of the openstack.env file (admin credentials,
                    OS_* exports) for: eval "\$(${0##*/} env)".
                    With --path print only the file's path, for: source "\$(... env --path)".
                    Do not mix it with 'openstack --os-cloud local-demo': the OS_*
                    variables override clouds.yaml values (you get admin + demo: 401).
  restart-glance    Stop and start only Glance (fault injection in tests).
  stop-glance       Stop only Glance ('start' or 'restart-glance' brings it back).
  -h, --help        This text.

Files (all mode 600 where secrets are involved):
  $WORKDIR/clouds.yaml      clouds local-admin, local-demo, local-alt
  $WORKDIR/openstack.env    OS_* exports for the admin user / admin project
  $WORKDIR/etc/passwords.env  generated passwords, reused on every start
  $WORKDIR/etc/             keystone.conf, keystone-uwsgi.ini, glance-api.conf,
                            glance-api-paste.ini, policy.d/ (empty)
  $WORKDIR/data/            sqlite DBs, fernet/credential keys, image stores
  $WORKDIR/log/             keystone.log, keystone-uwsgi.log, glance-api.log, ...
  $WORKDIR/run/             keystone.pid, glance.pid
Touching $WORKDIR/run/glance-healthcheck-disable makes Glance's /healthcheck
answer 503 (oslo.middleware disable_by_file); 'start' and 'status' then report
Glance as not answering.

A second, isolated cloud on the same ports: run this script (start, tests, stop)
inside one network namespace, e.g. unshare -n sh -c 'ip link set lo up; ...',
with its own LOCAL_OPENSTACK_DIR.

Region two (start --region-two): a second glance-api on $GLANCE2_URL with
its own database and stores (fast, the default, and cheap) under data/region-two/,
registered in the same Keystone as the image service of region $REGION_TWO
(public/internal/admin endpoints).  Endpoint filtering keeps the catalogs of the
projects admin, service, demo and alt exactly as without it ($REGION only, so
clients that name no region still find one image endpoint); the project and
user 'multi' (role member, cloud local-multi in clouds.yaml, region_name
$REGION) see both regions: pick one per client (openstack:region, OS_REGION_NAME).
Files: etc/glance-api-region-two.conf, log/glance2-api.log, run/glance2.pid.
A later 'start' without the option leaves a running second Glance alone; 'stop'
stops it too.

Environment:
  LOCAL_OPENSTACK_DIR         work directory (see above)
  LOCAL_OPENSTACK_TIMEOUT     seconds to wait for each server to answer (default 120)
  LOCAL_OPENSTACK_REGION_TWO  1: 'start' behaves as 'start --region-two'
EOF
}

# ---------------------------------------------------------------- constants --
readonly HOST=127.0.0.1
readonly KEYSTONE_PORT=5000
readonly GLANCE_PORT=9292
readonly REGION=RegionOne
readonly GLANCE2_PORT=9293
readonly REGION_TWO=RegionTwo
readonly KEYSTONE_URL="http://$HOST:$KEYSTONE_PORT/v3"
readonly GLANCE_URL="http://$HOST:$GLANCE_PORT"
readonly GLANCE2_URL="http://$HOST:$GLANCE2_PORT"
readonly PACKAGES=(keystone glance-api uwsgi-plugin-python3 curl sqlite3)
readonly STOP_TIMEOUT=10

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(dirname -- "$SCRIPT_DIR")
WORKDIR=${LOCAL_OPENSTACK_DIR:-$REPO_ROOT/.local-openstack}
[[ $WORKDIR == /* ]] || WORKDIR=$PWD/$WORKDIR
while [[ $WORKDIR == */ && $WORKDIR != / ]]; do WORKDIR=${WORKDIR%/}; done
readonly WORKDIR
readonly ETC=$WORKDIR/etc DATA=$WORKDIR/data LOG=$WORKDIR/log RUN=$WORKDIR/run
readonly CLOUDS_YAML=$WORKDIR/clouds.yaml ENV_FILE=$WORKDIR/openstack.env
readonly PASSWORDS_FILE=$ETC/passwords.env
# Written at the very end of a successful start (servers up, provisioned,
# client files written); the no-op check of 'start' requires it.
readonly READY_FILE=$RUN/ready
# Written with READY_FILE by a start with --region-two (clouds.yaml then has
# local-multi); removed by any other start that is not a no-op, and by stop.
readonly REGION_TWO_FILE=$RUN/region-two
readonly DATA2=$DATA/region-two
TIMEOUT=${LOCAL_OPENSTACK_TIMEOUT:-120}

# Per-server bookkeeping.  MATCH is a string that must appear in the recorded
# process's command line, so that a recycled PID is never mistaken for ours.
declare -A PIDFILE=([keystone]=$RUN/keystone.pid [glance]=$RUN/glance.pid [glance2]=$RUN/glance2.pid)
declare -A MATCH=([keystone]=$ETC/keystone-uwsgi.ini [glance]=$ETC/glance-api.conf [glance2]=$ETC/glance-api-region-two.conf)
declare -A PROBE=([keystone]=$KEYSTONE_URL [glance]=$GLANCE_URL/healthcheck [glance2]=$GLANCE2_URL/healthcheck)
declare -A PORT=([keystone]=$KEYSTONE_PORT [glance]=$GLANCE_PORT [glance2]=$GLANCE2_PORT)
declare -A LOGS=(
  [keystone]="$LOG/keystone-uwsgi.log $LOG/keystone.log"
  [glance]="$LOG/glance-api.stdout.log $LOG/glance-api.log"
  [glance2]="$LOG/glance2-api.stdout.log $LOG/glance2-api.log"
)

# The OpenStack tools are Debian's, for the Debian /usr/bin/python3: keep any
# pyenv/virtualenv out of their way, and never send loopback traffic (ours, and
# Glance's web-download / Keystone calls) through a proxy.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONUSERBASE VIRTUAL_ENV
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
export NO_PROXY=$no_proxy
umask 077

# ------------------------------------------------------------------ helpers --
log() { printf '[local-openstack] %s\n' "$*"; }
die() { printf '[local-openstack] ERROR: %s\n' "$*" >&2; exit 1; }

now_us() { local t=$EPOCHREALTIME; printf '%s' "${t//[.,]/}"; }
fmt_since() {
  local d=$(($(now_us) - $1))
  printf '%d.%d s' $((d / 1000000)) $((d / 100000 % 10))
}
# timed LABEL COMMAND...: run COMMAND and print how long it took.
timed() {
  local label=$1 t
  shift
  t=$(now_us)
  "$@"
  log "$(printf '%-34s %s' "$label" "$(fmt_since "$t")")"
}

require_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (installs packages, owns the servers)"
}

check_workdir() {
  [[ $WORKDIR != / && $WORKDIR =~ ^/[A-Za-z0-9._/+@-]+$ ]] ||
    die "work directory '$WORKDIR' must be an absolute path without spaces or special characters"
  [[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "LOCAL_OPENSTACK_TIMEOUT must be a number of seconds, not '$TIMEOUT'"
}

take_lock() {
  mkdir -p "$WORKDIR"
  exec 9>"$WORKDIR/.lock"
  if ! flock -n 9; then
    log "another ${0##*/} is working on $WORKDIR; waiting for it"
    flock -w 900 9 || die "timed out waiting for the lock on $WORKDIR/.lock"
  fi
}

http_ok() { curl -fsS -o /dev/null --noproxy '*' --max-time 3 "$1" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

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

wait_until_up() {
  local name=$1 pid deadline
  pid=$(read_pid "$name") || die "$name: no pid file"
  deadline=$((SECONDS + TIMEOUT))
  until http_ok "${PROBE[$name]}"; do
    if ! pid_alive "$pid" "${MATCH[$name]}"; then
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

# ----------------------------------------------------------------- packages --
POLICY_RC_D_CREATED=0
cleanup() {
  if ((POLICY_RC_D_CREATED)); then
    rm -f /usr/sbin/policy-rc.d
    POLICY_RC_D_CREATED=0
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] || printf '%s\n' "$p"
  done
}

ensure_packages() {
  local missing=()
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get"
  log "installing Debian packages: ${missing[*]}"
  # The postinsts would start the packaged keystone/glance-api services (on our
  # ports, from /etc) through invoke-rc.d: forbid that while installing.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, from %s\nexit 101\n' "$0" >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    POLICY_RC_D_CREATED=1
  fi
  # (set -e does not apply inside a subshell that is tested with if/||.)
  if ! (
    umask 022
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=900 -q update ||
      echo "[local-openstack] WARNING: apt-get update failed; trying the install anyway" >&2
    apt-get -o DPkg::Lock::Timeout=900 -q install -y --no-install-recommends "${missing[@]}"
  ); then
    die "package installation failed (apt-get install ${missing[*]})"
  fi
  cleanup
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} == 0)) || die "still not installed after apt-get: ${missing[*]}"
}

# ---------------------------------------------------------------- passwords --
PASSWORDS_GENERATED=0
# 1 when this 'start' runs with --region-two (or LOCAL_OPENSTACK_REGION_TWO=1).
REGION_TWO_WANTED=0
gen_password() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

load_passwords() {
  local line name missing=() names=(ADMIN GLANCE DEMO ALT)
  ADMIN_PASSWORD="" GLANCE_PASSWORD="" DEMO_PASSWORD="" ALT_PASSWORD="" MULTI_PASSWORD=""
  # The user 'multi' exists only with region two; its password is kept (never
  # dropped) by starts without it.
  if ((REGION_TWO_WANTED)); then names+=(MULTI); fi
  if [[ -f $PASSWORDS_FILE ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
      [[ $line =~ ^(ADMIN|GLANCE|DEMO|ALT|MULTI)_PASSWORD=([A-Za-z0-9]+)$ ]] || continue
      printf -v "${BASH_REMATCH[1]}_PASSWORD" '%s' "${BASH_REMATCH[2]}"
    done <"$PASSWORDS_FILE"
  fi
  for name in "${names[@]}"; do
    local var=${name}_PASSWORD
    [[ -n ${!var} ]] || missing+=("$name")
  done
  if ((${#missing[@]})); then
    [[ $1 == generate ]] || die "no passwords in $PASSWORDS_FILE; run '${0##*/} start' first"
    for name in "${missing[@]}"; do
      printf -v "${name}_PASSWORD" '%s' "$(gen_password)"
    done
    # (A new password for 'multi' alone concerns no running server.)
    if [[ ${missing[*]} != MULTI ]]; then PASSWORDS_GENERATED=1; fi
    log "generated passwords for: ${missing[*]} ($PASSWORDS_FILE)"
  fi
  {
    cat <<EOF
# Generated by scripts/local-openstack.sh on first start; reused afterwards.
ADMIN_PASSWORD=$ADMIN_PASSWORD
GLANCE_PASSWORD=$GLANCE_PASSWORD
DEMO_PASSWORD=$DEMO_PASSWORD
ALT_PASSWORD=$ALT_PASSWORD
EOF
    if [[ -n $MULTI_PASSWORD ]]; then printf 'MULTI_PASSWORD=%s\n' "$MULTI_PASSWORD"; fi
  } | write_file "$PASSWORDS_FILE"
}

# write_file PATH < content: atomic replace, mode 600.
write_file() {
  local tmp="$1.tmp.$$"
  cat >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$1"
}

# ------------------------------------------------------------------- config --
prepare_dirs() {
  mkdir -p "$ETC/policy.d" "$DATA/keystone" "$DATA/locks" "$DATA/staging" "$DATA/tasks" \
    "$DATA/stores/fast" "$DATA/stores/cheap" "$DATA/stores/reliable" "$LOG" "$RUN"
  if ((REGION_TWO_WANTED)); then
    mkdir -p "$DATA2/locks" "$DATA2/staging" "$DATA2/tasks" "$DATA2/stores/fast" "$DATA2/stores/cheap"
  fi
}

write_keystone_config() {
  write_file "$ETC/keystone.conf" <<EOF
# Generated by scripts/local-openstack.sh; rewritten on every start.
[DEFAULT]
debug = false
use_stderr = false
log_file = $LOG/keystone.log

[database]
# check_same_thread=false: uwsgi threads; otherwise SQLAlchemy logs
# "SQLite objects created in a thread can only be used in that same thread"
# when a connection is finalised on another thread.
connection = sqlite:///$DATA/keystone/keystone.sqlite?check_same_thread=false

[token]
provider = fernet
expiration = 86400

[fernet_tokens]
key_repository = $DATA/keystone/fernet-keys
max_active_keys = 3

[fernet_receipts]
key_repository = $DATA/keystone/fernet-keys

[credential]
key_repository = $DATA/keystone/credential-keys

[identity]
# bcrypt cost: ~10 ms per password check instead of ~400 ms.  Applies to
# passwords set after this, including bootstrap.
password_hash_rounds = 4
# bcrypt uses 72 bytes at most; the default (4096) logs a warning per check.
max_password_length = 72

[cache]
# Without the cache one token validation runs ~960 SQL queries (0.7-0.8 s).
enabled = true
backend = oslo_cache.dict
expiration_time = 600

[oslo_policy]
# Absent file and empty dir: in-code default policies.
policy_file = $ETC/keystone-policy.yaml
policy_dirs = $ETC/policy.d
EOF

  # One process only (sqlite + in-process cache coherence); "Connection: close"
  # avoids keystonemiddleware reusing sockets uwsgi has closed (spurious 401s).
  write_file "$ETC/keystone-uwsgi.ini" <<EOF
# Generated by scripts/local-openstack.sh; rewritten on every start.
[uwsgi]
plugins = python3
http-socket = $HOST:$KEYSTONE_PORT
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_DIR=$ETC
env = OS_KEYSTONE_CONFIG_FILES=keystone.conf
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
log-date = true
EOF
}

write_glance_config() {
  write_glance_files "$ETC/glance-api.conf" "$ETC/glance-api-paste.ini" "$GLANCE_PORT" \
    "$DATA" glance-api "$RUN/glance-healthcheck-disable" fast cheap reliable
}

# Region two: its own port, database, stores, staging/tasks dirs, locks, logs.
write_glance2_config() {
  write_glance_files "$ETC/glance-api-region-two.conf" "$ETC/glance-api-region-two-paste.ini" \
    "$GLANCE2_PORT" "$DATA2" glance2-api "$RUN/glance2-healthcheck-disable" fast cheap
}

# write_glance_files CONF PASTE PORT DATADIR LOGNAME DISABLE_FILE STORE...:
# glance-api.conf and its paste ini; the first store is the default one.
write_glance_files() {
  local conf=$1 paste=$2 port=$3 data=$4 logname=$5 disable_file=$6 store backends="" sections=""
  shift 6
  declare -A description=([fast]="Fast store (default)" [cheap]="Cheap store" [reliable]="Reliable store")
  for store in "$@"; do
    backends+="${backends:+, }$store:file"
    sections+="[$store]"$'\n'"filesystem_store_datadir = $data/stores/$store"$'\n'
    sections+="store_description = ${description[$store]}"$'\n\n'
  done
  write_file "$conf" <<EOF
# Generated by scripts/local-openstack.sh; rewritten on every start.
[DEFAULT]
bind_host = $HOST
bind_port = $port
workers = 1
debug = false
use_stderr = false
log_file = $LOG/$logname.log
enabled_backends = $backends
enabled_import_methods = [glance-direct,web-download,copy-image]
show_image_direct_url = false

[database]
connection = sqlite:///$data/glance.sqlite

[glance_store]
default_backend = $1

${sections}[os_glance_staging_store]
filesystem_store_datadir = $data/staging

[os_glance_tasks_store]
filesystem_store_datadir = $data/tasks

[paste_deploy]
flavor = keystone
config_file = $paste

[oslo_concurrency]
lock_path = $data/locks

[oslo_policy]
# Absent file and empty dir: in-code default (legacy Zed) policies.
policy_file = $ETC/glance-policy.yaml
policy_dirs = $ETC/policy.d

[image_import_opts]
image_import_plugins = []

[import_filtering_opts]
# TEST-ONLY SETTING: allows web-download from loopback (e.g. a python3 -m
# http.server on 127.0.0.1) on any port.  Never use this on a real cloud: it
# opens Glance to SSRF against local services.  These are ListOpts with
# bounds: the brackets are mandatory (a bare value makes every web-download
# fail with 400 "does not pass filtering").
allowed_hosts = [127.0.0.1,localhost]
allowed_ports = []

[keystone_authtoken]
www_authenticate_uri = http://$HOST:$KEYSTONE_PORT
auth_url = http://$HOST:$KEYSTONE_PORT
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = $GLANCE_PASSWORD
region_name = $REGION
# Validated tokens are cached in-process for this many seconds; kept low so
# that revoked tokens and role changes show up quickly in tests.
token_cache_time = 5
service_token_roles_required = true
EOF

  write_file "$paste" <<EOF
# Generated by scripts/local-openstack.sh: Debian's glance-api-paste.ini reduced
# to the keystone pipeline ([paste_deploy] flavor = keystone).
[pipeline:glance-api-keystone]
pipeline = cors healthcheck http_proxy_to_wsgi versionnegotiation osprofiler authtoken context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory
backends = disable_by_file
disable_by_file_path = $disable_file

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true

[filter:osprofiler]
paste.filter_factory = osprofiler.web:WsgiMiddleware.factory

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = glance
oslo_config_program = glance-api

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
EOF
}

write_client_files() {
  local cloud user password project clouds=(admin demo alt)
  if ((REGION_TWO_WANTED)); then clouds+=(multi); fi
  {
    printf '# Generated by scripts/local-openstack.sh; rewritten on every start.\n'
    printf 'clouds:\n'
    for cloud in "${clouds[@]}"; do
      user=$cloud project=$cloud
      case $cloud in
        admin) password=$ADMIN_PASSWORD ;;
        demo) password=$DEMO_PASSWORD ;;
        alt) password=$ALT_PASSWORD ;;
        multi) password=$MULTI_PASSWORD ;;
      esac
      cat <<EOF
  local-$cloud:
    auth:
      auth_url: $KEYSTONE_URL
      username: $user
      password: "$password"
      project_name: $project
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    interface: public
    identity_api_version: 3
EOF
    done
  } | write_file "$CLOUDS_YAML"

  write_file "$ENV_FILE" <<EOF
# Generated by scripts/local-openstack.sh: admin user, admin project.
export OS_AUTH_URL=$KEYSTONE_URL
export OS_USERNAME=admin
export OS_PASSWORD=$ADMIN_PASSWORD
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$REGION
export OS_IDENTITY_API_VERSION=3
export OS_INTERFACE=public
EOF
}

# ----------------------------------------------------------------- keystone --
keystone_manage() {
  local sub=$1
  if ! /usr/bin/keystone-manage --config-file "$ETC/keystone.conf" "$@" \
    >>"$LOG/keystone-manage.log" 2>&1; then
    printf '\n----- last 40 lines of %s -----\n' "$LOG/keystone-manage.log" >&2
    tail -n 40 "$LOG/keystone-manage.log" >&2
    die "keystone-manage $sub failed (log: $LOG/keystone-manage.log, $LOG/keystone.log)"
  fi
}

keystone_bootstrap() {
  # Password through the environment, not argv (visible in ps).
  OS_BOOTSTRAP_PASSWORD=$ADMIN_PASSWORD keystone_manage bootstrap \
    --bootstrap-username admin --bootstrap-project-name admin \
    --bootstrap-role-name admin --bootstrap-service-name keystone \
    --bootstrap-region-id "$REGION" \
    --bootstrap-admin-url "$KEYSTONE_URL" \
    --bootstrap-public-url "$KEYSTONE_URL" \
    --bootstrap-internal-url "$KEYSTONE_URL"
}

# One-time: DB schema, keys, admin user/project/role, region, identity
# endpoints.  A marker file records success, so a half-done setup is redone.
keystone_setup() {
  rm -rf "$DATA/keystone"
  mkdir -p "$DATA/keystone"
  keystone_manage db_sync
  # WAL is persistent in the file; without it concurrent requests hit
  # "database is locked".
  sqlite3 "$DATA/keystone/keystone.sqlite" 'PRAGMA journal_mode=WAL;' >/dev/null
  keystone_manage fernet_setup --keystone-user root --keystone-group root
  keystone_manage credential_setup --keystone-user root --keystone-group root
  keystone_bootstrap
  touch "$DATA/keystone/.setup-done"
}

launch() { # NAME COMMAND...: start as its own session/group leader, record PID.
  local name=$1 stdout_log
  shift
  stdout_log=${LOGS[$name]%% *}
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
  printf '%s\n' "$!" >"${PIDFILE[$name]}"
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

start_keystone() {
  check_port_free keystone
  launch keystone /usr/bin/uwsgi --ini "$ETC/keystone-uwsgi.ini"
}

run_provision_py() {
  (
    export KEYSTONE_URL GLANCE_URL REGION ADMIN_PASSWORD GLANCE_PASSWORD DEMO_PASSWORD ALT_PASSWORD
    if ((REGION_TWO_WANTED)); then export REGION_TWO GLANCE2_URL MULTI_PASSWORD; fi
    exec /usr/bin/python3 "$SCRIPT_DIR/local-openstack/provision.py"
  )
}

provision() {
  local rc=0
  run_provision_py || rc=$?
  if ((rc == 3)); then
    # passwords.env was lost/regenerated while the DB survived: bootstrap
    # resets the admin password.
    log "admin password rejected; re-running keystone-manage bootstrap"
    keystone_bootstrap
    # The password reset revokes admin tokens issued "before now" with
    # one-second resolution (Fernet issued_at): let that second pass.
    sleep 1.1
    rc=0
    run_provision_py || rc=$?
  fi
  ((rc == 0)) || die "Keystone provisioning failed (rc $rc; log: $LOG/keystone.log)"
}

# ------------------------------------------------------------------- glance --
# glance_db_setup DATA_DIR CONFIG LOG_NAME LABEL: a fresh Glance database in WAL mode, marked done.
glance_db_setup() {
  local data=$1 conf=$2 log=$LOG/$3 label=$4
  rm -f "$data/glance.sqlite" "$data/glance.sqlite-wal" "$data/glance.sqlite-shm"
  if ! /usr/bin/glance-manage --config-file "$conf" db_sync >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "glance-manage db_sync$label failed (log: $log)"
  fi
  sqlite3 "$data/glance.sqlite" 'PRAGMA journal_mode=WAL;' >/dev/null
  touch "$data/.glance-setup-done"
}

glance_setup() { glance_db_setup "$DATA" "$ETC/glance-api.conf" glance-manage.log ""; }

start_glance() {
  check_port_free glance
  launch glance /usr/bin/glance-api --config-file "$ETC/glance-api.conf"
}

glance2_setup() { glance_db_setup "$DATA2" "$ETC/glance-api-region-two.conf" glance2-manage.log " (region two)"; }

start_glance2() {
  check_port_free glance2
  launch glance2 /usr/bin/glance-api --config-file "$ETC/glance-api-region-two.conf"
}

# ----------------------------------------------------------------- commands --
wipe_workdir() {
  log "--fresh: wiping $WORKDIR"
  rm -rf "$ETC" "$DATA" "$LOG" "$RUN" "$CLOUDS_YAML" "$ENV_FILE"
}

cmd_start() {
  local fresh=0 arg t_total keystone_up=0 glance_up=0 glance2_up=0
  for arg in "$@"; do
    case $arg in
      --fresh) fresh=1 ;;
      --region-two) REGION_TWO_WANTED=1 ;;
      *) die "unknown option for start: $arg" ;;
    esac
  done
  case ${LOCAL_OPENSTACK_REGION_TWO:-} in
    "" | 0) ;;
    1) REGION_TWO_WANTED=1 ;;
    *) die "LOCAL_OPENSTACK_REGION_TWO must be 1 or 0, not '$LOCAL_OPENSTACK_REGION_TWO'" ;;
  esac
  require_root
  check_workdir
  t_total=$(now_us)
  take_lock

  if ((fresh)); then
    timed "stop running servers" stop_all
    wipe_workdir
  else
    is_up keystone && keystone_up=1
    is_up glance && glance_up=1
    if ((REGION_TWO_WANTED)) && is_up glance2; then glance2_up=1; fi
    if ((keystone_up && glance_up)) && [[ -f $READY_FILE && -f $CLOUDS_YAML && -f $ENV_FILE ]] &&
      { ((!REGION_TWO_WANTED)) || { ((glance2_up)) && [[ -f $REGION_TWO_FILE ]]; }; }; then
      log "already running: keystone pid $(read_pid keystone), glance pid $(read_pid glance)$(
        ((REGION_TWO_WANTED)) && printf ', glance (%s) pid %s' "$REGION_TWO" "$(read_pid glance2)"
      ) ($(fmt_since "$t_total"))"
      print_summary
      return 0
    fi
  fi

  rm -f "$READY_FILE" "$REGION_TWO_FILE"
  # Fail early (before any slow work) if a port is taken by someone else.
  if ((!keystone_up)); then check_port_not_foreign keystone; fi
  if ((!glance_up)); then check_port_not_foreign glance; fi
  if ((REGION_TWO_WANTED && !glance2_up)); then check_port_not_foreign glance2; fi
  timed "packages" ensure_packages
  prepare_dirs
  load_passwords generate
  write_keystone_config
  write_glance_config
  if ((REGION_TWO_WANTED)); then write_glance2_config; fi

  # Recorded processes that are alive but not answering (hung, or half
  # started) are stopped and started again.
  if ((!keystone_up)); then stop_server keystone; fi
  if ((!glance_up)); then
    stop_server glance
  elif ((PASSWORDS_GENERATED)); then
    log "new glance password: restarting glance"
    stop_server glance
    glance_up=0
  fi
  if ((PASSWORDS_GENERATED || (REGION_TWO_WANTED && !glance2_up))); then
    # (A second Glance left running by an earlier start has the old password.)
    stop_server glance2
    glance2_up=0
  fi
  if ((REGION_TWO_WANTED && !glance2_up)); then
    if [[ ! -f $DATA2/.glance-setup-done || ! -f $DATA2/glance.sqlite ]]; then
      timed "glance ($REGION_TWO) db_sync (first start)" glance2_setup
    fi
    start_glance2
  fi

  # Glance first: its start-up overlaps Keystone's setup/start (it needs
  # Keystone only to validate tokens, i.e. on requests).
  if ((!glance_up)); then
    if [[ ! -f $DATA/.glance-setup-done || ! -f $DATA/glance.sqlite ]]; then
      timed "glance db_sync (first start)" glance_setup
    fi
    start_glance
  fi

  if ((!keystone_up)); then
    if [[ ! -f $DATA/keystone/.setup-done || ! -f $DATA/keystone/keystone.sqlite ]]; then
      timed "keystone setup (first start)" keystone_setup
    fi
    start_keystone
    timed "keystone start (answers /v3)" wait_until_up keystone
  fi
  timed "keystone provisioning" provision

  if ((!glance_up)); then
    timed "glance start (answers, total)" wait_until_up glance
  fi
  if ((REGION_TWO_WANTED && !glance2_up)); then
    timed "glance ($REGION_TWO) start (answers)" wait_until_up glance2
  fi
  write_client_files
  if ((REGION_TWO_WANTED)); then date '+%F %T' >"$REGION_TWO_FILE"; fi
  date '+%F %T' >"$READY_FILE"
  log "$(printf '%-34s %s' "start total" "$(fmt_since "$t_total")")"
  print_summary
}

print_summary() {
  log "keystone $KEYSTONE_URL (pid $(read_pid keystone)), glance $GLANCE_URL (pid $(read_pid glance))"
  if ((REGION_TWO_WANTED)); then
    log "glance $GLANCE2_URL (pid $(read_pid glance2)): image service of region $REGION_TWO"
    log "clouds.yaml: $CLOUDS_YAML (clouds local-admin, local-demo, local-alt; local-multi sees both regions)"
  else
    log "clouds.yaml: $CLOUDS_YAML (clouds local-admin, local-demo, local-alt)"
  fi
  log "admin env:   source $ENV_FILE"
}

stop_all() {
  rm -f "$READY_FILE" "$REGION_TWO_FILE"
  stop_server glance2
  stop_server glance
  stop_server keystone
}

cmd_stop() {
  local t
  require_root
  t=$(now_us)
  if [[ ! -d $WORKDIR ]]; then
    log "nothing to stop ($WORKDIR does not exist)"
    return 0
  fi
  take_lock
  stop_all
  log "stopped ($(fmt_since "$t"))"
}

cmd_stop_glance() {
  require_root
  [[ -d $WORKDIR ]] || return 0
  take_lock
  rm -f "$READY_FILE"
  stop_server glance
}

cmd_restart_glance() {
  local t was_ready=0
  require_root
  check_workdir
  t=$(now_us)
  take_lock
  [[ -f $READY_FILE ]] && was_ready=1
  rm -f "$READY_FILE"
  timed "stop glance" stop_server glance
  prepare_dirs
  load_passwords no-generate
  write_glance_config
  if [[ ! -f $DATA/.glance-setup-done || ! -f $DATA/glance.sqlite ]]; then
    timed "glance db_sync (first start)" glance_setup
  fi
  start_glance
  timed "glance start (answers)" wait_until_up glance
  # Ready again only if it was before (a full start had completed).
  if ((was_ready)) && is_up keystone; then date '+%F %T' >"$READY_FILE"; fi
  log "glance restarted, pid $(read_pid glance) ($(fmt_since "$t"))"
}

cmd_status() {
  local name pid rc=0 state names=(keystone glance)
  if [[ -f $REGION_TWO_FILE || -f ${PIDFILE[glance2]} ]]; then names+=(glance2); fi
  for name in "${names[@]}"; do
    pid=$(read_pid "$name") || pid=""
    if [[ -n $pid ]] && pid_alive "$pid" "${MATCH[$name]}"; then
      if http_ok "${PROBE[$name]}"; then
        state="up        pid $pid  ${PROBE[$name]}"
      else
        state="not answering (pid $pid alive)  ${PROBE[$name]}"
        rc=1
      fi
    elif port_open "${PORT[$name]}"; then
      state="down here; port ${PORT[$name]} is used by a process this work directory did not start"
      rc=1
    else
      state="down"
      rc=1
    fi
    printf '%-9s %s\n' "$name:" "$state"
  done
  printf '%-9s %s\n' "workdir:" "$WORKDIR"
  [[ -f $CLOUDS_YAML ]] && printf '%-9s %s\n' "clouds:" "$CLOUDS_YAML"
  return "$rc"
}

cmd_env() {
  case ${1:-} in
    "") [[ -f $ENV_FILE ]] || die "$ENV_FILE does not exist; run '${0##*/} start' first"
        cat "$ENV_FILE" ;;
    --path) printf '%s\n' "$ENV_FILE" ;;
    *) die "unknown option for env: $1" ;;
  esac
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env "$@" ;;
    restart-glance) cmd_restart_glance ;;
    stop-glance) cmd_stop_glance ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
