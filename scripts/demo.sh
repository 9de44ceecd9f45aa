#!/usr/bin/env bash
# The README's demo: builds hacluster, then, as root, runs three real haclusterd in
# network namespaces and cuts the primary's link (scripts/demo_namespaces.sh); without
# root it shows the same core in the deterministic simulator. Usage:
#   scripts/demo.sh            # namespaces when root, else the simulator
#   scripts/demo.sh --sim      # the simulator demo
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
mode=auto
if [ "${1:-}" = "--sim" ]; then
  mode=sim
  shift
fi
if [ "$mode" = auto ] && [ "$(id -u)" -eq 0 ] && ip netns list >/dev/null 2>&1; then
  cmake --build "$root/build" --target haclusterd haclusterctl -j "$(nproc)" >/dev/null
  exec "$root/scripts/demo_namespaces.sh"
fi
cmake --build "$root/build" --target hacluster-demo -j "$(nproc)" >/dev/null
exec "$root/build/test/sim/hacluster-demo" "$@"
