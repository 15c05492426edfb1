#!/usr/bin/env bash
# Run a real OpenStack Keystone + Glance (Debian bookworm packages, Zed) on
# 127.0.0.1 for integration tests.  Run `scripts/local-openstack.sh --help`.
#
# The reasons behind the settings are in the comments next to them.
# Everything (config, data, logs, pids) lives in one work directory; nothing in
# /etc is used or changed, apart from installing the Debian packages.
#
# Layout (scripts/local-openstack/, sourced in this order):
#   common.sh       work directory, logging, timing, lock, settings.env
#   process.sh      launch / recognise / wait for / stop one server process
#   services.sh     the service registry and its hooks (read its header)
#   packages.sh     the host's Debian packages
#   release.sh      --release: a Debian root per release (debootstrap), in-root.sh
#   credentials.sh  passwords, clouds.yaml, openstack.env
#   keystone.sh     kind "keystone" (+ provisioning through provision.py)
#   glance.sh       kind "glance" (one instance per region)
#   commands.sh     start, stop, status, env, restart-/stop-<service>
#   octavia.sh      Octavia API + worker, MariaDB, RabbitMQ (start --octavia); also runs alone
# define_services below is the cloud: one line per server.  A new server is a
# new kind file with its hooks plus one line there; a config option of one
# server is a line in its kind's <kind>_config.
set -euo pipefail

LIB=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/local-openstack
for part in common process services packages release credentials keystone glance commands octavia; do
  # shellcheck source=/dev/null
  source "$LIB/$part.sh"
done

define_services() {
  define_keystone "$(setting KEYSTONE_PORT LOCAL_OPENSTACK_KEYSTONE_PORT 5000)"
  define_glance glance "" "$REGION" "$(setting GLANCE_PORT LOCAL_OPENSTACK_GLANCE_PORT 9292)" \
    "$DATA" glance-api glance-api fast cheap reliable
  define_glance glance2 region-two "$REGION_TWO" "$(setting GLANCE2_PORT LOCAL_OPENSTACK_GLANCE2_PORT 9293)" \
    "$DATA/region-two" glance-api-region-two glance2-api fast cheap
  # glance-download (Zed+, off by default) on RegionTwo only: it imports an image straight from RegionOne's Glance
  # (GlanceTaggedImage importFrom); RegionOne lacks it, so the upload fallback is tested there. RegionOne's
  # 127.0.0.1 port passes the [import_filtering_opts] of glance.sh.
  GLANCE_EXTRA_METHODS[glance2]=glance-download
}

usage() {
  cat <<EOF
Usage: ${0##*/} COMMAND [OPTIONS]

Runs Keystone (${URL[keystone]}, uwsgi) and Glance (${URL[glance]},
glance-api) for tests.  Must run as root.  Work directory:
  \$LOCAL_OPENSTACK_DIR, default <repo>/.local-openstack (now: $WORKDIR)

Commands:
  start [--fresh] [--region-two] [--release RELEASE] [--octavia]
                    Install the Debian packages if missing, configure, start both
                    servers and wait until they answer.  A no-op (exit 0) when both
                    recorded servers are alive and answering; starts only what is
                    missing otherwise.  --fresh first stops the servers and wipes the
                    work directory (data, config, logs, passwords): a brand-new cloud.
                    Running servers are not restarted when the config changes: use
                    'stop' + 'start' (or 'restart-glance') for that.
                    --region-two (or LOCAL_OPENSTACK_REGION_TWO=1) also starts a
                    second Glance, region $REGION_TWO (see below).
                    --release: zed (default: bookworm packages on the host) or
                    2025.1 (Keystone 27 + Glance 30 in a Debian trixie root made by
                    debootstrap under releases/2025.1/root, kept as a cache; its
                    own data under releases/2025.1/data).  Later commands and
                    starts keep the release of the last start (settings.env);
                    switching stops the running servers first.
                    --octavia also starts Octavia (API, worker, MariaDB, RabbitMQ;
                    scripts/local-openstack/octavia.sh); 'stop' stops it too.
  prepare-release RELEASE
                    Make the release's root (debootstrap + packages) without
                    starting anything; safe beside running servers and tests.
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
                    (restart-/stop-SERVICE work for every server 'status' lists.)
  -h, --help        This text.

Files (all mode 600 where secrets are involved):
  $WORKDIR/clouds.yaml      clouds local-admin, local-demo, local-alt
  $WORKDIR/openstack.env    OS_* exports for the admin user / admin project
  $WORKDIR/settings.env     ports of the last start (read by later commands and tests)
  $WORKDIR/etc/passwords.env  generated passwords, reused on every start
  $WORKDIR/etc/             keystone.conf, keystone-uwsgi.ini, glance-api.conf,
                            glance-api-paste.ini, policy.d/ (empty)
  $WORKDIR/data/            sqlite DBs, fernet/credential keys, image stores
  $WORKDIR/log/             keystone.log, keystone-uwsgi.log, glance-api.log, ...
  $WORKDIR/run/             keystone.pid, glance.pid
Touching $WORKDIR/run/glance-healthcheck-disable makes Glance's /healthcheck
answer 503 (oslo.middleware disable_by_file); 'start' and 'status' then report
Glance as not answering.

A second, isolated cloud: its own LOCAL_OPENSTACK_DIR and either other ports
(LOCAL_OPENSTACK_*_PORT below, for development) or this script run (start,
tests, stop) inside one network namespace, e.g.
unshare -n sh -c 'ip link set lo up; ...'.

Region two (start --region-two): a second glance-api on ${URL[glance2]} with
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
  LOCAL_OPENSTACK_RELEASE     as --release
  LOCAL_OPENSTACK_KEYSTONE_PORT, LOCAL_OPENSTACK_GLANCE_PORT, LOCAL_OPENSTACK_GLANCE2_PORT
                              ports (default 5000, 9292, 9293; for development
                              clouds beside the default one).  'start' records
                              them in settings.env; later commands use those.
EOF
}

main() {
  local cmd=${1:-} name release args=()
  (($#)) && shift
  # The release of the last start, unless this start names one.
  RECORDED_RELEASE=$(LOCAL_OPENSTACK_RELEASE="" setting RELEASE "" zed)
  release=$(setting RELEASE LOCAL_OPENSTACK_RELEASE zed)
  if [[ $cmd == start ]]; then
    while (($#)); do
      case $1 in
        --release) (($# > 1)) || die "--release needs a value (${RELEASES[*]})"; release=$2; shift 2 ;;
        --release=*) release=${1#*=}; shift ;;
        *) args+=("$1"); shift ;;
      esac
    done
    set -- ${args[@]+"${args[@]}"}
  fi
  select_release "$release"
  define_services
  case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env "$@" ;;
    prepare-release)
      # Only the release's root (debootstrap + packages): no ports, no lock, so CI runs it beside the tests.
      require_root
      select_release "${1:?prepare-release needs a release (${RELEASES[*]})}"
      ensure_release
      ;;
    restart-* | stop-*)
      name=${cmd#*-}
      [[ -n ${KIND[$name]:-} ]] || { usage >&2; exit 2; }
      if [[ $cmd == restart-* ]]; then cmd_restart_service "$name"; else cmd_stop_service "$name"; fi
      ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
