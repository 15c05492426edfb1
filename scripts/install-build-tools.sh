#!/usr/bin/env bash
# Debian packages the image builder needs: qemu-img and e2fsprogs/fdisk for validating images (and for the test
# fixture builder), diskimage-builder with debootstrap for real builds, and python3-oslo.config, with which a test
# reads the Octavia configuration snippet the way Octavia does; qemu-system-x86, xorriso and openssl for the boot
# check (validation.boot: QEMU, the config drive, per-boot certificates). Idempotent; run as root.
set -euo pipefail

packages=(qemu-utils e2fsprogs fdisk tar python3-diskimage-builder debootstrap kpartx parted sudo python3-oslo.config
  qemu-system-x86 xorriso openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "build tools: all installed"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "build tools missing (${missing[*]}): run as root" >&2; exit 1; }
echo "build tools: installing ${missing[*]}"
apt-get -o DPkg::Lock::Timeout=900 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
