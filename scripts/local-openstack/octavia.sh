#!/usr/bin/env bash
# Octavia (Debian bookworm, python3-octavia 11 = Zed) as one service of the local cloud: octavia-api (uwsgi) on
# http://127.0.0.1:9876 with Keystone auth and Octavia's default policies, octavia-worker (the real controller-worker
# flows), RabbitMQ (Debian) for the API -> worker RPC, MariaDB (Debian, unix socket only) for the database with
# Octavia's own migrations (octavia-db-manage upgrade head), network and amphora drivers no-op, and as compute driver the test driver of
# test/octavia-driver/ (Octavia's no-op compute plus real image resolution through Octavia's Glance driver).
# Health manager and housekeeping are not started: operator failover (PUT .../failover) needs neither.
#
# Two ways to use it:
#   * sourced by scripts/local-openstack.sh ('start --octavia'), which calls octavia_start / octavia_stop;
#   * on its own against a running local cloud: scripts/local-openstack/octavia.sh start|stop|status
#     (LOCAL_OPENSTACK_DIR as for local-openstack.sh).
# Needs from the cloud only: Keystone on 127.0.0.1:5000, $WORKDIR/etc/passwords.env (ADMIN_PASSWORD), Glance in the
# catalog.  Everything of its own lives under $WORKDIR/{etc,data,log,run}/octavia*.
#
# Functions: octavia_config, octavia_start (installs, configures, provisions Keystone, starts, waits),
# octavia_wait, octavia_stop, octavia_status.  Variables read: OCTAVIA_WORKDIR (default $WORKDIR, else the repo's
# .local-openstack), LOCAL_OPENSTACK_TIMEOUT.

OCTAVIA_SH_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
OCTAVIA_REPO_ROOT=$(cd -- "$OCTAVIA_SH_DIR/../.." && pwd -P)
OCTAVIA_WORKDIR=${OCTAVIA_WORKDIR:-${WORKDIR:-${LOCAL_OPENSTACK_DIR:-$OCTAVIA_REPO_ROOT/.local-openstack}}}
# Physical path: the processes' command lines (how octavia_pid recognises them) name it so, also when the work
# directory is reached through a symlink (a git worktree sharing another checkout's cloud).
if [[ -d $OCTAVIA_WORKDIR ]]; then OCTAVIA_WORKDIR=$(cd -P -- "$OCTAVIA_WORKDIR" && pwd); fi
OCTAVIA_ETC=$OCTAVIA_WORKDIR/etc/octavia
OCTAVIA_DATA=$OCTAVIA_WORKDIR/data/octavia
OCTAVIA_LOG=$OCTAVIA_WORKDIR/log/octavia
OCTAVIA_RUN=$OCTAVIA_WORKDIR/run/octavia
OCTAVIA_HOST=127.0.0.1
OCTAVIA_PORT=9876
OCTAVIA_URL=http://$OCTAVIA_HOST:$OCTAVIA_PORT
OCTAVIA_RABBIT_PORT=5672
OCTAVIA_RABBIT_DIST_PORT=25672
OCTAVIA_KEYSTONE=http://127.0.0.1:5000
OCTAVIA_REGION=RegionOne
OCTAVIA_DRIVER_PATH=$OCTAVIA_REPO_ROOT/test/octavia-driver
OCTAVIA_PACKAGES=(octavia-api octavia-worker rabbitmq-server mariadb-server python3-pymysql uwsgi-plugin-python3 python3-glanceclient openssl)
# The amp_image_tag of load balancers whose flavor names none (tests use flavors with their own tags).
OCTAVIA_DEFAULT_IMAGE_TAG=${OCTAVIA_DEFAULT_IMAGE_TAG:-amphora-local}
# Services in start order; each has a pid file run/octavia/NAME.pid and a string its command line contains.
OCTAVIA_SERVICES=(mariadb rabbitmq api worker)
OCTAVIA_DB_SOCKET=$OCTAVIA_RUN/mysqld.sock

# launch_into, uwsgi_server_options (functions only: sourcing it again after local-openstack.sh did changes nothing).
# shellcheck source=process.sh
source "$OCTAVIA_SH_DIR/process.sh"

octavia_log() { printf '[local-openstack:octavia] %s\n' "$*"; }
octavia_die() { printf '[local-openstack:octavia] ERROR: %s\n' "$*" >&2; exit 1; }

octavia_match() {
  case $1 in
    mariadb) printf '%s' "--datadir=$OCTAVIA_DATA/mysql" ;;
    rabbitmq) printf '%s' "$OCTAVIA_DATA/rabbitmq" ;;
    api) printf '%s' "$OCTAVIA_ETC/octavia-uwsgi.ini" ;;
    worker) printf '%s' "$OCTAVIA_ETC/octavia.conf" ;;
  esac
}

octavia_pid() { # NAME: the recorded PID if that process is alive and ours
  local pid="" state args
  [[ -f $OCTAVIA_RUN/$1.pid ]] && pid=$(<"$OCTAVIA_RUN/$1.pid")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z ]] || return 1
  # rabbitmq-server is a shell script whose command line names nothing of ours: its environment does.
  if [[ $1 == rabbitmq ]]; then
    args=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/environ") || return 1
  else
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  fi
  [[ $args == *"$(octavia_match "$1")"* ]] || return 1
  printf '%s' "$pid"
}

octavia_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

octavia_missing_packages() {
  local p
  for p in "${OCTAVIA_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s\n' "$p"
  done
}

octavia_install() {
  local missing
  mapfile -t missing < <(octavia_missing_packages)
  ((${#missing[@]})) || return 0
  octavia_log "installing ${missing[*]}"
  # Debian's postinsts would start the services (on our ports, with /etc configs): deny that.
  local own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || {
    ((own_policy)) && rm -f /usr/sbin/policy-rc.d
    octavia_die "apt-get install ${missing[*]} failed"
  }
  ((own_policy)) && rm -f /usr/sbin/policy-rc.d
  return 0
}

octavia_passwords() { # sets ADMIN_PASSWORD (from the cloud) and OCTAVIA_PASSWORD (own, generated once)
  local file=$OCTAVIA_WORKDIR/etc/passwords.env
  [[ -f $file ]] || octavia_die "$file missing: start the local cloud first (scripts/local-openstack.sh start)"
  ADMIN_PASSWORD=$(sed -n 's/^ADMIN_PASSWORD=//p' "$file")
  [[ -n $ADMIN_PASSWORD ]] || octavia_die "no ADMIN_PASSWORD in $file"
  if [[ ! -s $OCTAVIA_ETC/password ]]; then
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$OCTAVIA_ETC/password"
  fi
  OCTAVIA_PASSWORD=$(<"$OCTAVIA_ETC/password")
}

# A private CA for Octavia's local certificate generator (the create/failover flows issue amphora certificates
# even with the no-op amphora driver).
octavia_ca() {
  [[ -s $OCTAVIA_ETC/ca.pem && -s $OCTAVIA_ETC/ca.key ]] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=local-openstack octavia CA" \
    -keyout "$OCTAVIA_ETC/ca.key" -out "$OCTAVIA_ETC/ca.pem" >/dev/null 2>&1 || octavia_die "openssl CA failed"
}

octavia_config() {
  mkdir -p "$OCTAVIA_ETC" "$OCTAVIA_DATA/rabbitmq" "$OCTAVIA_DATA/compute" "$OCTAVIA_LOG" "$OCTAVIA_RUN"
  octavia_passwords
  octavia_ca
  local auth
  auth="auth_url = $OCTAVIA_KEYSTONE
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = octavia
password = $OCTAVIA_PASSWORD
region_name = $OCTAVIA_REGION"
  (
    umask 077
    cat >"$OCTAVIA_ETC/octavia.conf" <<EOF
# Generated by scripts/local-openstack/octavia.sh; rewritten on every start.
[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:$OCTAVIA_RABBIT_PORT/
log_dir = $OCTAVIA_LOG
debug = false

[api_settings]
bind_host = $OCTAVIA_HOST
bind_port = $OCTAVIA_PORT
auth_strategy = keystone
enabled_provider_drivers = amphora:The Octavia Amphora driver.
default_provider_driver = amphora

[database]
connection = mysql+pymysql://octavia:$OCTAVIA_PASSWORD@localhost/octavia?unix_socket=$OCTAVIA_DB_SOCKET

[keystone_authtoken]
www_authenticate_uri = $OCTAVIA_KEYSTONE
$auth
token_cache_time = 10
service_token_roles_required = true

[service_auth]
$auth

[glance]
region_name = $OCTAVIA_REGION
endpoint_type = public

[controller_worker]
compute_driver = compute_image_tracking_driver
network_driver = network_noop_driver
amphora_driver = amphora_noop_driver
image_driver = image_glance_driver
amp_image_tag = $OCTAVIA_DEFAULT_IMAGE_TAG
amp_flavor_id = local-amphora-flavor
amp_boot_network_list = 00000000-0000-0000-0000-00000000a0a0
loadbalancer_topology = SINGLE
amp_active_retries = 5
amp_active_wait_sec = 1
workers = 1
client_ca = $OCTAVIA_ETC/ca.pem

[certificates]
cert_generator = local_cert_generator
ca_certificate = $OCTAVIA_ETC/ca.pem
ca_private_key = $OCTAVIA_ETC/ca.key

[haproxy_amphora]
connection_max_retries = 2
connection_retry_interval = 1

[oslo_messaging]
topic = octavia_prov

[oslo_policy]
policy_file = $OCTAVIA_ETC/policy.yaml

[task_flow]
jobboard_enabled = false
EOF
    # Empty: Octavia's in-code default policies apply.
    : >"$OCTAVIA_ETC/policy.yaml"
    cat >"$OCTAVIA_ETC/octavia-uwsgi.ini" <<EOF
[uwsgi]
plugins = python3
http-socket = $OCTAVIA_HOST:$OCTAVIA_PORT
wsgi-file = /usr/bin/octavia-wsgi
pyargv = --config-file $OCTAVIA_ETC/octavia.conf
env = PYTHONPATH=$OCTAVIA_DRIVER_PATH
env = OCTAVIA_TEST_COMPUTE_DIR=$OCTAVIA_DATA/compute
$(uwsgi_server_options)
logto = $OCTAVIA_LOG/octavia-uwsgi.log
EOF
    cat >"$OCTAVIA_ETC/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$OCTAVIA_RABBIT_PORT
loopback_users.guest = true
log.file.level = warning
EOF
  )
}

octavia_mysql() { mariadb --no-defaults --socket="$OCTAVIA_DB_SOCKET" -u root "$@"; }
octavia_db_answers() { octavia_mysql -e "SELECT 1" >/dev/null 2>&1; }

# MariaDB's data directory (first start only): mariadb-install-db, as root (the servers here run as root).
octavia_db_init() {
  [[ -f $OCTAVIA_DATA/mysql/.init-done ]] && return 0
  rm -rf "$OCTAVIA_DATA/mysql"
  mkdir -p "$OCTAVIA_DATA/mysql"
  mariadb-install-db --no-defaults --datadir="$OCTAVIA_DATA/mysql" --user=root --skip-test-db \
    --auth-root-authentication-method=socket >>"$OCTAVIA_LOG/octavia-db.log" 2>&1 ||
    octavia_die "mariadb-install-db failed (log: $OCTAVIA_LOG/octavia-db.log)"
  touch "$OCTAVIA_DATA/mysql/.init-done"
}

# Octavia's database, user and schema (its own alembic migrations); the user's password follows OCTAVIA_PASSWORD.
octavia_db() {
  octavia_mysql -e "CREATE DATABASE IF NOT EXISTS octavia;
    CREATE USER IF NOT EXISTS 'octavia'@'localhost' IDENTIFIED BY '$OCTAVIA_PASSWORD';
    ALTER USER 'octavia'@'localhost' IDENTIFIED BY '$OCTAVIA_PASSWORD';
    GRANT ALL PRIVILEGES ON octavia.* TO 'octavia'@'localhost';" ||
    octavia_die "creating the octavia database failed"
  [[ -f $OCTAVIA_DATA/.db-done ]] && return 0
  /usr/bin/octavia-db-manage --config-file "$OCTAVIA_ETC/octavia.conf" upgrade head >>"$OCTAVIA_LOG/octavia-db.log" 2>&1 ||
    octavia_die "octavia-db-manage upgrade head failed (log: $OCTAVIA_LOG/octavia-db.log)"
  touch "$OCTAVIA_DATA/.db-done"
}

octavia_provision() {
  # env, not export: sourced by local-openstack.sh, where some of these names are readonly.
  (
    cd "$OCTAVIA_SH_DIR" &&
      exec env KEYSTONE_URL="$OCTAVIA_KEYSTONE/v3" GLANCE_URL=http://127.0.0.1:9292 REGION="$OCTAVIA_REGION" \
        ADMIN_PASSWORD="$ADMIN_PASSWORD" OCTAVIA_PASSWORD="$OCTAVIA_PASSWORD" OCTAVIA_URL="$OCTAVIA_URL" \
        /usr/bin/python3 octavia_provision.py
  ) || octavia_die "Keystone provisioning for Octavia failed"
}

octavia_launch() { # NAME COMMAND...: own session, descriptors above 2 closed, PID recorded
  local name=$1
  shift
  launch_into "$OCTAVIA_LOG/$name.stdout.log" "$OCTAVIA_RUN/$name.pid" "$@"
}

octavia_start_one() {
  local name=$1
  octavia_pid "$name" >/dev/null && return 0
  case $name in
    mariadb)
      octavia_launch mariadb /usr/sbin/mariadbd --no-defaults --datadir="$OCTAVIA_DATA/mysql" --user=root \
        --socket="$OCTAVIA_DB_SOCKET" --skip-networking --pid-file="$OCTAVIA_RUN/mysqld.pidfile" \
        --log-error="$OCTAVIA_LOG/mariadb.err" --innodb-buffer-pool-size=64M --skip-log-bin
      ;;
    rabbitmq)
      ! octavia_port_open "$OCTAVIA_RABBIT_PORT" ||
        octavia_die "port $OCTAVIA_RABBIT_PORT is in use by a process this work directory did not start"
      octavia_launch rabbitmq env HOME="$OCTAVIA_DATA/rabbitmq" \
        RABBITMQ_NODENAME=octavia@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT=$OCTAVIA_RABBIT_PORT RABBITMQ_DIST_PORT=$OCTAVIA_RABBIT_DIST_PORT \
        ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_CONFIG_FILE="$OCTAVIA_ETC/rabbitmq.conf" \
        RABBITMQ_MNESIA_BASE="$OCTAVIA_DATA/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$OCTAVIA_LOG" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$OCTAVIA_DATA/rabbitmq/enabled_plugins" \
        RABBITMQ_PID_FILE="$OCTAVIA_DATA/rabbitmq/rabbit.pid" \
        /usr/lib/rabbitmq/bin/rabbitmq-server
      ;;
    api)
      ! octavia_port_open "$OCTAVIA_PORT" ||
        octavia_die "port $OCTAVIA_PORT is in use by a process this work directory did not start"
      octavia_launch api /usr/bin/uwsgi --ini "$OCTAVIA_ETC/octavia-uwsgi.ini"
      ;;
    worker)
      octavia_launch worker env PYTHONPATH="$OCTAVIA_DRIVER_PATH" OCTAVIA_TEST_COMPUTE_DIR="$OCTAVIA_DATA/compute" \
        /usr/bin/octavia-worker --config-file "$OCTAVIA_ETC/octavia.conf"
      ;;
  esac
}

octavia_wait_for() { # LABEL TEST-COMMAND...
  local label=$1 deadline=$((SECONDS + ${LOCAL_OPENSTACK_TIMEOUT:-120}))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || octavia_die "$label did not come up in ${LOCAL_OPENSTACK_TIMEOUT:-120}s (logs: $OCTAVIA_LOG)"
    sleep 0.3
  done
}

octavia_api_answers() { curl -fsS -o /dev/null --noproxy '*' --max-time 3 "$OCTAVIA_URL/" 2>/dev/null; }
# The worker is ready when it has declared its RPC queue (it logs nothing else reliable at start).
octavia_worker_ready() { grep -q "Starting V2 consumer" "$OCTAVIA_LOG/octavia-worker.log" 2>/dev/null; }

octavia_wait() {
  octavia_wait_for "octavia-api" octavia_api_answers
  octavia_wait_for "octavia-worker" octavia_worker_ready
}

# octavia_step LABEL COMMAND...: run and log how long it took (CI time is watched).
octavia_step() {
  local label=$1 t=${EPOCHREALTIME//[.,]/} d
  shift
  "$@"
  d=$((${EPOCHREALTIME//[.,]/} - t))
  octavia_log "$(printf '%-28s %d.%d s' "$label" $((d / 1000000)) $((d / 100000 % 10)))"
}

octavia_start() {
  local t=$SECONDS
  octavia_step "packages" octavia_install
  octavia_config
  octavia_step "mariadb init" octavia_db_init
  # Everything that can start early does (this machine kind has 2 busy cores): RabbitMQ takes tens of seconds, the
  # API needs the database only for requests, the worker connects to RabbitMQ when it is there (oslo.messaging
  # retries).
  octavia_start_one mariadb
  octavia_start_one rabbitmq
  octavia_start_one api
  octavia_step "keystone provisioning" octavia_provision
  octavia_step "mariadb up" octavia_wait_for "mariadb" octavia_db_answers
  octavia_step "database (migrations)" octavia_db
  if ! octavia_pid worker >/dev/null; then
    : >"$OCTAVIA_LOG/octavia-worker.log"
    octavia_start_one worker
  fi
  octavia_step "api, rabbitmq, worker up" octavia_wait
  octavia_log "octavia $OCTAVIA_URL up (api pid $(octavia_pid api), worker pid $(octavia_pid worker)," \
    "rabbitmq pid $(octavia_pid rabbitmq), mariadb pid $(octavia_pid mariadb); $((SECONDS - t)) s)"
}

octavia_stop_one() {
  local name=$1 pid i
  pid=$(octavia_pid "$name") || { rm -f "$OCTAVIA_RUN/$name.pid"; return 0; }
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    octavia_pid "$name" >/dev/null || break
    sleep 0.2
  done
  if octavia_pid "$name" >/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
  rm -f "$OCTAVIA_RUN/$name.pid"
}

octavia_stop() {
  local i
  for ((i = ${#OCTAVIA_SERVICES[@]} - 1; i >= 0; i--)); do octavia_stop_one "${OCTAVIA_SERVICES[i]}"; done
  # RabbitMQ's Erlang VM starts epmd as a detached daemon (outside our process group): stop it once no Erlang
  # node is registered with it any more.
  if command -v epmd >/dev/null && epmd -names 2>/dev/null | grep -q '^epmd: up and running' &&
    ! epmd -names 2>/dev/null | grep -q '^name '; then
    epmd -kill >/dev/null 2>&1 || true
  fi
}

octavia_status() {
  local name pid rc=0
  for name in "${OCTAVIA_SERVICES[@]}"; do
    if pid=$(octavia_pid "$name"); then
      printf '%-17s up pid %s\n' "octavia $name:" "$pid"
    else
      printf '%-17s down\n' "octavia $name:"
      rc=1
    fi
  done
  return "$rc"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
  unset PYTHONPATH PYTHONHOME VIRTUAL_ENV
  export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
  [[ $(id -u) -eq 0 ]] || octavia_die "must run as root"
  case ${1:-} in
    start) octavia_start ;;
    stop) octavia_stop ;;
    restart-worker) octavia_stop_one worker; octavia_config; : >"$OCTAVIA_LOG/octavia-worker.log"; octavia_start_one worker; octavia_wait ;;
    # A worker that takes no work for a while (tests: a load balancer that stays PENDING_UPDATE for as long as the
    # test needs); its flows in flight and the queued requests go on after resume-worker.
    pause-worker) pid=$(octavia_pid worker) && kill -STOP -- "-$pid" ;;
    resume-worker) pid=$(octavia_pid worker) && kill -CONT -- "-$pid" ;;
    status) octavia_status ;;
    *) echo "usage: ${0##*/} start|stop|status|restart-worker|pause-worker|resume-worker" >&2; exit 2 ;;
  esac
fi
