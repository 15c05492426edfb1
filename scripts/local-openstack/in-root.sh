#!/usr/bin/env bash
# in-root.sh ROOT WORKDIR COMMAND...: run COMMAND chrooted into ROOT (a Debian
# root made by release.sh), in a mount namespace of its own that sees /proc,
# /dev and WORKDIR (at the same path, so configs name the same files inside
# and out).  Every step execs: the PID the caller records is the server's.
set -euo pipefail
root=$1 workdir=$2
shift 2
exec unshare --mount --propagation private -- /bin/bash -c '
  set -e
  root=$1 workdir=$2
  shift 2
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mkdir -p "$root$workdir"
  mount --bind "$workdir" "$root$workdir"
  exec chroot "$root" "$@"
' in-root "$root" "$workdir" "$@"
