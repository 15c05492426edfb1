# shellcheck shell=bash
# Releases.  zed (the default): the host's Debian bookworm packages.  2025.1:
# Keystone 27 + Glance 30 from a Debian trixie root made by debootstrap under
# releases/2025.1/root; every OpenStack binary runs chrooted there through
# in-root.sh (OS_EXEC), with the work directory at the same path.  Each release
# has its own data directory (databases, keys, stores); etc/, log/, run/ and
# the passwords are shared, so the clouds look the same.  The root is kept by
# 'stop' and 'start --fresh' (it is the cache: a cold one costs minutes).

readonly RELEASES=(zed 2025.1)
declare -A RELEASE_SUITE=([2025.1]=trixie)
readonly ROOT_PACKAGES=(keystone glance-api uwsgi-plugin-python3)
readonly DEBIAN_MIRROR=http://deb.debian.org/debian
readonly DEBIAN_SECURITY=http://deb.debian.org/debian-security

# select_release RELEASE: sets RELEASE, DATA, ROOT and OS_EXEC.
select_release() {
  local r
  RELEASE=$1
  for r in "${RELEASES[@]}"; do [[ $r == "$RELEASE" ]] && break; done
  [[ $r == "$RELEASE" ]] || die "unknown release '$RELEASE' (known: ${RELEASES[*]})"
  ROOT=""
  OS_EXEC=()
  if [[ $RELEASE != zed ]]; then
    DATA=$WORKDIR/releases/$RELEASE/data
    ROOT=$WORKDIR/releases/$RELEASE/root
    OS_EXEC=("$LIB_DIR/in-root.sh" "$ROOT" "$WORKDIR")
  fi
}

# The packages the release needs, on the host or in its root.
ensure_release() {
  if [[ -z $ROOT ]]; then
    ensure_packages
    return
  fi
  ensure_host_packages curl sqlite3 debootstrap
  [[ -f $ROOT/.debootstrap-done ]] || timed "debootstrap ${RELEASE_SUITE[$RELEASE]} (first start)" make_root
  [[ -f $ROOT/.packages-done ]] || timed "packages in the $RELEASE root (first start)" install_root_packages
}

make_root() {
  local suite=${RELEASE_SUITE[$RELEASE]} log=$LOG/debootstrap-$RELEASE.log
  mkdir -p "$LOG"
  rm -rf "$ROOT"
  mkdir -p "$ROOT"
  log "debootstrap $suite into $ROOT (log: $log)"
  if ! (umask 022 && debootstrap --variant=minbase "$suite" "$ROOT" "$DEBIAN_MIRROR") >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "debootstrap $suite failed (log: $log)"
  fi
  touch "$ROOT/.debootstrap-done"
}

install_root_packages() {
  local suite=${RELEASE_SUITE[$RELEASE]} log=$LOG/apt-$RELEASE.log
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
    "$DEBIAN_MIRROR" "$suite" "$DEBIAN_MIRROR" "$suite" "$DEBIAN_SECURITY" "$suite" >"$ROOT/etc/apt/sources.list"
  # Our root: the postinsts must never start the packaged services.  (--force-unsafe-io below: no fsync per
  # file; a root lost in a crash is made again.)
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
  chmod 755 "$ROOT/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf /etc/hosts "$ROOT/etc/"
  chmod 644 "$ROOT/etc/apt/sources.list" "$ROOT/etc/resolv.conf" "$ROOT/etc/hosts"
  log "installing ${ROOT_PACKAGES[*]} in the $RELEASE root (log: $log)"
  if ! "${OS_EXEC[@]}" /usr/bin/env DEBIAN_FRONTEND=noninteractive /bin/sh -c \
    "umask 022 && apt-get -q update && apt-get -q install -y --no-install-recommends -o Dpkg::Options::=--force-unsafe-io ${ROOT_PACKAGES[*]} && apt-get clean" \
    >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "package installation in $ROOT failed (log: $log)"
  fi
  "${OS_EXEC[@]}" /usr/bin/dpkg-query -W keystone glance-api >"$ROOT/.packages-done"
  log "$(tr '\n\t' '; ' <"$ROOT/.packages-done")"
}
