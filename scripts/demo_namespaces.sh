#!/usr/bin/env bash
# The namespace demo: three real haclusterd in network namespaces hold a virtual IP;
# the primary's link is cut and the VIP moves. Needs root (run by scripts/demo.sh).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
HA_BIN=$root/build/bin
source "$root/test/integration/harness.sh"
ha_require_root
trap ha_cleanup EXIT

say() { printf '\n== %s\n' "$*"; sleep "${DEMO_PAUSE:-1}"; }

say "three nodes n1 n2 n3 in network namespaces, a client, VIP $HA_VIP serving HTTP"
ha_setup 3
ha_start_all
ha_wait '[ -n "$(ha_vip_holders)" ] && [ -n "$(ha_probe)" ]' 15 || { echo "no VIP after 15 s"; ha_dump_logs; exit 1; }
sleep 1.5
old=$(ha_vip_holders)
echo "the client asks http://$HA_VIP:$HA_PORT/ and gets: $(ha_probe)"
echo
ha_ctl n1 status

say "cutting the primary's link: ip -n $(ha_ns "$old") link set eth0 down"
start=$(date +%s%N)
ip -n "$(ha_ns "$old")" link set eth0 down
ha_wait 'p=$(ha_probe); [ -n "$p" ] && [ "$p" != "'"$old"'" ]' 10
end=$(date +%s%N)
echo "the client now gets: $(ha_probe) — failover in $(( (end - start) / 1000000 )) ms"
echo "nodes holding the VIP: $(ha_vip_holders)"
survivor=$(ha_probe)
echo
ha_ctl "$survivor" status

say "healing the link: $old comes back as a standby (the group does not move back)"
ip -n "$(ha_ns "$old")" link set eth0 up
sleep 2
ha_ctl "$survivor" status
echo
ha_ctl "$survivor" events --limit 12
say "cleaning up the namespaces"
