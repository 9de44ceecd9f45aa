#!/usr/bin/env bash
# Installs the Debian 12 packages hacluster builds and tests with (root only;
# does nothing when everything is present already).
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config libuv1-dev nlohmann-json3-dev
          libcli11-dev libspdlog-dev libfmt-dev catch2 libsodium-dev
          iproute2 iputils-arping ipv6toolkit python3 curl
          resource-agents fence-agents libmnl-dev
          dpkg-dev lintian bash-completion libsystemd-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
