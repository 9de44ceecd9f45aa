# Checks shared by the namespace test scripts (failover_test.sh,
# stop_safety_test.sh): a counted check, a fresh 3-node cluster per test, VIP
# holder predicates and samplers. Source after harness.sh.

passed=0
failed=0
trap 'ha_cleanup' EXIT

check() {  # check "what" CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; passed=$((passed + 1)); return 0; fi
  echo "FAIL: $what"; failed=$((failed + 1)); ha_dump_logs; return 1
}

fresh_cluster() {  # fresh_cluster NAME [PREPARE]: PREPARE runs once HA_DIR exists
  ha_cleanup
  HA_PREFIX="hac$$-$1"
  HA_DIR=$(mktemp -d /tmp/hacluster-it-XXXXXX)
  if [ -n "${2:-}" ]; then "$2"; fi
  ha_setup 3
  ha_start_all
  ha_wait '[ -n "$(ha_vip_holders)" ] && [ -n "$(ha_probe)" ]' 15
  sleep 1  # let the start script finish its announcements: measure a settled cluster
}

# node_state ASKED NODE: that node's state in ASKED's `haclusterctl --json status`.
node_state() {
  ha_ctl "$1" --json status | python3 -c '
import json, sys
nodes = json.load(sys.stdin)["nodes"]
print(next(n["state"] for n in nodes if n["name"] == sys.argv[1]))' "$2"
}

# has_vip NODE: NODE's eth0 holds the VIP.
has_vip() { ip -n "$(ha_ns "$1")" -4 addr show dev eth0 | grep -q "inet $HA_VIP/"; }
lacks_vip() { ! has_vip "$1"; }
one_holder() { [ "$(ha_vip_holders | wc -w)" -eq 1 ]; }

# Samples the VIP holders every 20 ms for SECONDS; fails if two nodes ever hold it.
never_two_holders() {
  local end=$(( $(date +%s%N) + $1 * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do
    if [ "$(ha_vip_holders | wc -w)" -gt 1 ]; then
      echo "two holders at $(date +%T.%N): $(ha_vip_holders)"
      return 1
    fi
    sleep 0.02
  done
}

