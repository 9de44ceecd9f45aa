#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds the normal and the
# ASan+UBSan configuration, runs ctest on both. Usage: scripts/test.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
jobs=$(nproc)
# Tests never reboot the machine they run on (daemon/stop_escalation.h): a
# `reboot` self-fence is only logged. Test configs use the `command` action.
export HACLUSTER_NO_REBOOT=1

# The prefix /usr: the package is made from this build (scripts/package_check.sh).
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$root/build" -j "$jobs"
cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHACLUSTER_SANITIZE=ON >/dev/null
cmake --build "$root/build-asan" -j "$jobs"

status=0
echo "== ctest (normal build)"
ctest --test-dir "$root/build" --output-on-failure -j "$jobs" || status=1
echo "== ctest (ASan+UBSan build)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs" -LE slow || status=1
echo "== package: build, lintian, install, namespace tests against the installed binaries"
"$root/scripts/package_check.sh" "$root/build" || status=1
exit $status
