#!/usr/bin/env bash
# The README's demo: builds hacluster and shows a 3-node cluster failing over
# (the real agent core in the deterministic simulator; the namespace demo with the
# real daemon replaces it once haclusterd exists). Usage: scripts/demo.sh [--fast]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" --target hacluster-demo -j "$(nproc)" >/dev/null
exec "$root/build/test/sim/hacluster-demo" "$@"
