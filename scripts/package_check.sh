#!/usr/bin/env bash
# CI's package step (scripts/test.sh): builds the .deb from an existing build
# (scripts/package.sh OUTDIR BUILD_DIR), runs lintian (errors and warnings fail;
# packaging/README.md justifies what remains), installs it with apt-get, runs a
# part of the namespace suite against /usr/sbin/haclusterd and /usr/bin/haclusterctl
# (test/integration/failover_test.sh --installed), and purges it again.
# A machine that already has hacluster installed is left alone (skipped).
# Usage: scripts/package_check.sh BUILD_DIR   (root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: scripts/package_check.sh BUILD_DIR}
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: installing the package needs root"
  exit 0
fi
if dpkg-query -W -f='${Status}' hacluster 2>/dev/null | grep -q "install ok installed"; then
  echo "skipped: hacluster is installed on this machine already; not replacing it"
  exit 0
fi
out="$build/package-check"
rm -rf "$out"
deb=$("$root/scripts/package.sh" "$out" "$build")
echo "built $deb"
status=0
echo "-- lintian"
# Errors and warnings fail; the info and experimental tags left are justified in
# packaging/README.md ("lintian").
lintian --fail-on error,warning --display-info "$deb" || status=1

echo "-- apt-get install $deb"
export DEBIAN_FRONTEND=noninteractive
trap 'apt-get purge -y -qq hacluster >/dev/null 2>&1 || true' EXIT
apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
check() {  # check "what" COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; status=1; fi
}
check "haclusterd --version" /usr/sbin/haclusterd --version
check "haclusterctl --version" /usr/bin/haclusterctl --version
check "the haclient group exists" getent group haclient
check "the package's vip agent is installed" test -x /usr/lib/hacluster/scripts/vip
check "the example config is valid" eval '/usr/sbin/haclusterd --check-config --config /etc/hacluster/cluster.json.example >/dev/null' 
# (Listed, not read: minimal images exclude /usr/share/man from dpkg.)
check "the package has the man pages" eval '[ "$(dpkg -L hacluster | grep -c "/man[58]/.*gz$")" -eq 3 ]'
echo "-- namespace tests against the installed binaries"
rc=0
"$root/test/integration/failover_test.sh" --installed vip_on_one_node link_cut switchover_and_standby ops_commands || rc=$?
case $rc in
  0) ;;
  77) echo "skipped: the namespace tests (no network namespaces here)" ;;
  *) status=1 ;;
esac
exit $status
