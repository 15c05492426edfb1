# shellcheck shell=bash
# Shared by every part of local-openstack.sh: work directory layout, logging,
# timing, locking, small file and network helpers.

readonly HOST=127.0.0.1
readonly REGION=RegionOne
readonly REGION_TWO=RegionTwo
readonly STOP_TIMEOUT=10

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
REPO_ROOT=$(dirname -- "$SCRIPT_DIR")
readonly LIB_DIR=$SCRIPT_DIR/local-openstack
WORKDIR=${LOCAL_OPENSTACK_DIR:-$REPO_ROOT/.local-openstack}
[[ $WORKDIR == /* ]] || WORKDIR=$PWD/$WORKDIR
while [[ $WORKDIR == */ && $WORKDIR != / ]]; do WORKDIR=${WORKDIR%/}; done
readonly WORKDIR
readonly ETC=$WORKDIR/etc LOG=$WORKDIR/log RUN=$WORKDIR/run
readonly CLOUDS_YAML=$WORKDIR/clouds.yaml ENV_FILE=$WORKDIR/openstack.env
readonly PASSWORDS_FILE=$ETC/passwords.env
# Ports (and, later, other settings) of this work directory, recorded by
# 'start' so that every later command, and the tests, find the same servers.
readonly SETTINGS_FILE=$WORKDIR/settings.env
# Written at the very end of a successful start (servers up, provisioned,
# client files written); the no-op check of 'start' requires it.
readonly READY_FILE=$RUN/ready
TIMEOUT=${LOCAL_OPENSTACK_TIMEOUT:-120}
# Databases, keys and image stores of the default release (release.sh sets
# another for the others).
DATA=$WORKDIR/data

# The OpenStack tools are Debian's, for the Debian /usr/bin/python3: keep any
# pyenv/virtualenv out of their way, and never send loopback traffic (ours, and
# Glance's web-download / Keystone calls) through a proxy.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONUSERBASE VIRTUAL_ENV
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
export NO_PROXY=$no_proxy
umask 077

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
    log "another local-openstack.sh is working on $WORKDIR; waiting for it"
    flock -w 900 9 || die "timed out waiting for the lock on $WORKDIR/.lock"
  fi
}

# write_file PATH < content: atomic replace, mode 600.
write_file() {
  local tmp="$1.tmp.$$"
  cat >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$1"
}

http_ok() { curl -fsS -o /dev/null --noproxy '*' --max-time 3 "$1" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# setting NAME ENV_VAR DEFAULT: the value of ENV_VAR (if named) when set, else the one
# recorded in settings.env by the last start, else DEFAULT.
setting() {
  local name=$1 value="" line
  if [[ -n $2 ]]; then value=${!2:-}; fi
  if [[ -z $value && -f $SETTINGS_FILE ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
      [[ $line == "$name="* ]] && value=${line#*=}
    done <"$SETTINGS_FILE"
  fi
  printf '%s' "${value:-$3}"
}
