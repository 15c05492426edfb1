# shellcheck shell=bash
# Debian packages on the host.

readonly PACKAGES=(keystone glance-api uwsgi-plugin-python3 curl sqlite3)

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

missing_packages() { # PACKAGE...
  local p
  for p in "$@"; do
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] || printf '%s\n' "$p"
  done
}

ensure_packages() { ensure_host_packages "${PACKAGES[@]}"; }

ensure_host_packages() { # PACKAGE...
  local missing=()
  mapfile -t missing < <(missing_packages "$@")
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
  mapfile -t missing < <(missing_packages "$@")
  ((${#missing[@]} == 0)) || die "still not installed after apt-get: ${missing[*]}"
}
