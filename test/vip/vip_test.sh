#!/usr/bin/env bash
# vip.script: runs scripts/vip for real inside two network namespaces joined by a veth pair.
#
#   hac-vip-a-PID  eth0 198.18.5.1/24 fd00:5::1/64   <- the script runs here (ip netns exec,
#   hac-vip-b-PID  eth0 198.18.5.2/24 fd00:5::2/64      env -i + HACLUSTER_* only)
#
# The announcement is checked on the peer: b gets a stale neighbour entry for the VIP with a
# made-up MAC; only a gratuitous ARP / unsolicited NA from a can replace it with a's MAC
# (Linux updates, but never creates, entries from unsolicited announcements).
# The PID suffix keeps parallel runs apart. Nothing touches the host's interfaces, routes or
# firewall; the namespaces (and the veths in them) are deleted on any exit.
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root, no ip netns or veth).
# Usage: vip_test.sh [PATH_TO_VIP_SCRIPT]
set -u

here=$(cd "$(dirname "$0")" && pwd)
VIP=${1:-$here/../../scripts/vip}
A=hac-vip-a-$$
B=hac-vip-b-$$
FAKE_MAC=02:00:00:00:00:01

skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null 2>&1 || skip "needs root for network namespaces ('ip' not found: iproute2)"
[ -x "$VIP" ] || { echo "FAIL: $VIP is not an executable file"; exit 1; }

cleanup() {
  ip netns del "$A" 2>/dev/null
  ip netns del "$B" 2>/dev/null
  [ -n "${empty:-}" ] && rm -f "$empty"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

{ ip netns add "$A" && ip netns add "$B"; } 2>/dev/null ||
  skip "needs root for network namespaces ('ip netns add' failed)"
ip link add eth0 netns "$A" type veth peer name eth0 netns "$B" 2>/dev/null ||
  skip "needs veth support for network namespaces ('ip link add type veth' failed)"
set -e
for ns in "$A" "$B"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
done
ip -n "$A" addr add 198.18.5.1/24 dev eth0
ip -n "$A" addr add fd00:5::1/64 dev eth0 nodad
ip -n "$B" addr add 198.18.5.2/24 dev eth0
ip -n "$B" addr add fd00:5::2/64 dev eth0 nodad
# A second veth pair inside a, left down: announcing on it must fail, harmlessly.
ip -n "$A" link add down0 type veth peer name down1
set +e
MAC_A=$(ip -n "$A" -o link show dev eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)

pass=0 fail=0 skipped=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
not_run() { echo "skip: $*"; skipped=$((skipped + 1)); }

# run ACTION [NAME=VALUE...]: runs the script in a with a clean environment, the context
# variables and the given parameters; sets rc, err (its stderr) and secs (wall time).
run() {
  local action=$1 t0
  shift
  t0=$(date +%s%N)
  err=$(timeout 30 ip netns exec "$A" env -i HACLUSTER_GROUP=web HACLUSTER_RESOURCE=vip1 \
    HACLUSTER_NODE=node-a HACLUSTER_TERM=7 HACLUSTER_ROLE=primary HACLUSTER_REASON=test \
    "$@" "$VIP" "$action" 2>&1 >/dev/null)
  rc=$?
  secs=$((($(date +%s%N) - t0) / 1000000000))
}
V4=(HACLUSTER_PARAM_ADDRESS=198.18.5.100/24 HACLUSTER_PARAM_INTERFACE=eth0)
V6=(HACLUSTER_PARAM_ADDRESS=fd00:5::100/64 HACLUSTER_PARAM_INTERFACE=eth0)

expect() { # expect WANT_RC WHAT
  if [ "$rc" -eq "$1" ]; then ok "$2 -> exit $rc"; else bad "$2 -> exit $rc, want $1; stderr: $err"; fi
}
expect_err() { # expect_err TEXT WHAT: stderr mentions TEXT
  case $err in *"$1"*) ok "$2 (stderr: ${err//$'\n'/ | })" ;; *) bad "$2: stderr lacks '$1': $err" ;; esac
}
addr_count() { # addr_count FAMILY ADDR/LEN: how often exactly that is on a's eth0
  ip -n "$A" -o "-$1" addr show dev eth0 | grep -c " ${2} "
}
expect_addr() { # expect_addr FAMILY ADDR/LEN WANT_COUNT WHAT
  local n
  n=$(addr_count "$1" "$2")
  if [ "$n" -eq "$3" ]; then ok "$4"; else bad "$4: $2 is on a's eth0 $n times, want $3"; fi
}
seed_peer() { # seed_peer IP: b gets a stale entry for IP with a made-up MAC
  ip -n "$B" neigh replace "$1" lladdr "$FAKE_MAC" dev eth0 nud stale
}
peer_mac() { ip -n "$B" neigh show "$1" dev eth0 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }
# expect_announced IP TOOL PACKAGE WHAT: b's entry for IP now holds a's MAC.
expect_announced() {
  local mac
  if ! ip netns exec "$A" env PATH="/usr/sbin:/usr/bin:/sbin:/bin" sh -c "command -v $2" >/dev/null; then
    not_run "$4: '$2' not installed (Debian package $3)"
    return
  fi
  mac=$(peer_mac "$1")
  if [ "$mac" = "$MAC_A" ]; then ok "$4 (peer b: $1 lladdr $mac)"
  else bad "$4: peer b has $1 lladdr '${mac}', want a's $MAC_A; stderr: $err"; fi
}

echo "== IPv4"
seed_peer 198.18.5.100
run start "${V4[@]}"
expect 0 "start 198.18.5.100/24"
expect_addr 4 198.18.5.100/24 1 "198.18.5.100/24 is on a's eth0"
expect_announced 198.18.5.100 arping iputils-arping "peer saw the gratuitous ARP"
expect_err "group=web resource=vip1 node=node-a term=7 role=primary reason=test" "start logs its context"
if [ "$secs" -le 5 ]; then ok "start with ARP_COUNT 3 took ${secs}s (<= 5)"; else bad "start took ${secs}s"; fi
seed_peer 198.18.5.100
run start "${V4[@]}" HACLUSTER_PARAM_ARP_COUNT=1
expect 0 "second start (idempotent)"
expect_addr 4 198.18.5.100/24 1 "198.18.5.100/24 is still there once"
expect_announced 198.18.5.100 arping iputils-arping "second start announced again"
run monitor "${V4[@]}"
expect 0 "monitor while started"
run stop "${V4[@]}"
expect 0 "stop"
expect_addr 4 198.18.5.100/24 0 "198.18.5.100/24 is gone"
expect_addr 4 198.18.5.1/24 1 "the base address 198.18.5.1/24 stays"
run stop "${V4[@]}"
expect 0 "second stop (idempotent)"
run monitor "${V4[@]}"
expect 7 "monitor after stop"

echo "== IPv6"
seed_peer fd00:5::100
run start "${V6[@]}"
expect 0 "start fd00:5::100/64"
expect_addr 6 fd00:5::100/64 1 "fd00:5::100/64 is on a's eth0"
if ip -n "$A" -6 addr show dev eth0 | grep -A1 'fd00:5::100/64' | grep -q tentative; then
  bad "fd00:5::100 is tentative (nodad missing)"
else ok "fd00:5::100 is usable at once (not tentative)"; fi
expect_announced fd00:5::100 na6 ipv6toolkit "peer saw the unsolicited neighbour advertisement"
run start "${V6[@]}"
expect 0 "second start (idempotent)"
expect_addr 6 fd00:5::100/64 1 "fd00:5::100/64 is still there once"
run monitor "${V6[@]}"
expect 0 "monitor while started"
run start "${V6[@]/fd00:5::100/fd00:5:0:0::100}"
expect 0 "start with another spelling of the same address"
expect_addr 6 fd00:5::100/64 1 "fd00:5::100/64 is still there once"
run stop "${V6[@]}"
expect 0 "stop"
expect_addr 6 fd00:5::100/64 0 "fd00:5::100/64 is gone"
run stop "${V6[@]}"
expect 0 "second stop (idempotent)"
run monitor "${V6[@]}"
expect 7 "monitor after stop"

echo "== announcement failure is only a warning"
run start HACLUSTER_PARAM_ADDRESS=198.18.6.100/24 HACLUSTER_PARAM_INTERFACE=down0 HACLUSTER_PARAM_ARP_COUNT=1
expect 0 "start on an interface that is down"
expect_err "warning" "the failed announcement is a warning"
run stop HACLUSTER_PARAM_ADDRESS=198.18.6.100/24 HACLUSTER_PARAM_INTERFACE=down0
expect 0 "stop on the interface that is down"

echo "== invalid parameters and actions"
run start HACLUSTER_PARAM_ADDRESS=198.18.5.300/24 HACLUSTER_PARAM_INTERFACE=eth0
expect 2 "start with address 198.18.5.300/24"
expect_err "HACLUSTER_PARAM_ADDRESS '198.18.5.300/24'" "the message names the parameter"
run start HACLUSTER_PARAM_ADDRESS=198.18.5.100 HACLUSTER_PARAM_INTERFACE=eth0
expect 2 "start with no prefix length"
expect_err "prefix length" "the message says the prefix length is missing"
run monitor HACLUSTER_PARAM_ADDRESS=fd00:::100/64 HACLUSTER_PARAM_INTERFACE=eth0
expect 2 "monitor with address fd00:::100/64"
run start HACLUSTER_PARAM_ADDRESS=fd00:5::100/129 HACLUSTER_PARAM_INTERFACE=eth0
expect 2 "start with prefix length /129"
run start HACLUSTER_PARAM_INTERFACE=eth0
expect 2 "start without an address"
expect_err "HACLUSTER_PARAM_ADDRESS is missing" "the message names the parameter"
run start HACLUSTER_PARAM_ADDRESS=198.18.5.100/24
expect 2 "start without an interface"
expect_err "HACLUSTER_PARAM_INTERFACE is missing" "the message names the parameter"
run start "${V4[@]}" HACLUSTER_PARAM_ARP_COUNT=many
expect 2 "start with ARP_COUNT 'many'"
expect_err "HACLUSTER_PARAM_ARP_COUNT" "the message names the parameter"
run start HACLUSTER_PARAM_ADDRESS=198.18.5.100/24 HACLUSTER_PARAM_INTERFACE=nosuch0
expect 6 "start on nonexistent interface nosuch0"
expect_err "'nosuch0'" "the message names the interface"
run monitor HACLUSTER_PARAM_ADDRESS=198.18.5.100/24 HACLUSTER_PARAM_INTERFACE=nosuch0
expect 6 "monitor on nonexistent interface nosuch0"
run stop HACLUSTER_PARAM_ADDRESS=198.18.5.100/24 HACLUSTER_PARAM_INTERFACE=nosuch0
expect 0 "stop on nonexistent interface (the address cannot be there)"
run reload "${V4[@]}"
expect 3 "unknown action 'reload'"
expect_err "unknown action" "the message says so"
expect_addr 4 198.18.5.100/24 0 "no failed call left the VIP behind"

echo "== missing tool"
# A private mount namespace (gone when the command ends) hides ip behind an empty file.
empty=$(mktemp)
ipbin=$(readlink -f "$(command -v ip)")
# shellcheck disable=SC2016 # $1 $2 $@ belong to the inner sh
err=$(timeout 30 ip netns exec "$A" unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' \
  sh "$empty" "$ipbin" env -i "${V4[@]}" "$VIP" monitor 2>&1 >/dev/null)
rc=$?
if [ "$rc" -eq 5 ]; then
  expect 5 "monitor without ip"
  expect_err "iproute2" "the message names the package"
elif grep -q "mount\|unshare" <<<"$err"; then
  not_run "missing-tool check: cannot bind-mount in a private mount namespace: $err"
else expect 5 "monitor without ip"; fi

echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
