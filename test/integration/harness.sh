#!/usr/bin/env bash
# Network-namespace harness for hacluster's integration tests, benchmarks and demo
# (BENCHMARKING.md "Topology"): a bridge in its own namespace, node namespaces
# n1..nN each with eth0 (a veth into the bridge) on 198.18.0.0/24, a client
# namespace, a tiny HTTP service on every node answering with the node's name,
# one haclusterd per node. Everything is named with a per-run prefix and removed
# by ha_cleanup (install it with a trap). Source this file; needs root.
#
#   source test/integration/harness.sh
#   ha_setup 3            # namespaces, addresses, config, key, services
#   ha_start_all          # one haclusterd per node
#   ha_wait_vip_holder    # prints the node holding the VIP
#   ha_cleanup

HA_PREFIX=${HA_PREFIX:-hac$$}
HA_DIR=${HA_DIR:-$(mktemp -d /tmp/hacluster-it-XXXXXX)}
HA_VIP=198.18.0.100
HA_PORT=8080
HA_BIN=${HA_BIN:-}
# HA_INSTALLED=1: run the installed package's binaries (/usr/sbin/haclusterd,
# /usr/bin/haclusterctl) with their own bundled agents; otherwise HA_BIN's (a build
# tree's bin/), which take the agents from this source tree (HACLUSTER_SCRIPTS_DIR).
HA_INSTALLED=${HA_INSTALLED:-}
HA_SOURCE_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts" && pwd)
HA_NODES=0
HA_TIMING=${HA_TIMING:-'"interval_ms": 100, "timeout_ms": 500'}

ha_log() { printf '%s %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }

ha_ns() { echo "${HA_PREFIX}-$1"; }

ha_require_root() {
  if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
    echo "skipped: needs root and ip netns for network namespaces"
    exit 77
  fi
  for tool in ip python3 curl; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool missing (scripts/deps.sh installs it)"; exit 77; }
  done
}

# ha_setup N: bridge, N node namespaces, client, config, key, services.
ha_setup() {
  HA_NODES=$1
  local br; br=$(ha_ns br)
  ip netns add "$br"
  ip -n "$br" link add br0 type bridge
  ip -n "$br" link set br0 up
  local names=(client) i
  for ((i = 1; i <= HA_NODES; i++)); do names+=("n$i"); done
  for name in "${names[@]}"; do
    local ns; ns=$(ha_ns "$name")
    ip netns add "$ns"
    # Created inside the bridge namespace: nothing ever appears in the host's.
    ip -n "$br" link add "p-$name" type veth peer name eth0 netns "$ns"
    ip -n "$br" link set "p-$name" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
  done
  ip -n "$(ha_ns client)" addr add 198.18.0.10/24 dev eth0
  for ((i = 1; i <= HA_NODES; i++)); do
    ip -n "$(ha_ns "n$i")" addr add "198.18.0.$i/24" dev eth0
    mkdir -p "$HA_DIR/n$i/www" "$HA_DIR/n$i/state"
    echo "n$i" > "$HA_DIR/n$i/www/index.html"
    ip netns exec "$(ha_ns "n$i")" python3 -m http.server "$HA_PORT" --bind 0.0.0.0 \
      --directory "$HA_DIR/n$i/www" >"$HA_DIR/n$i/http.log" 2>&1 &
    echo $! > "$HA_DIR/n$i/http.pid"
    disown
  done
  head -c 32 /dev/urandom > "$HA_DIR/authkey"
  chmod 0600 "$HA_DIR/authkey"
  ha_write_self_fence
  ha_write_config
}

# The VIP resource: the bundled vip script, or with HA_AGENT=IPaddr2 Debian's own
# ocf:heartbeat:IPaddr2 (package resource-agents), unmodified. Monitored every
# HA_MONITOR_MS (empty: the daemon's default, 10 s).
ha_resource_json() {
  local monitor=""
  [ -n "${HA_MONITOR_MS-200}" ] && monitor="\"monitor_interval_ms\": ${HA_MONITOR_MS-200}, "
  if [ "${HA_AGENT:-vip}" = IPaddr2 ]; then
    echo "{\"name\": \"web-ip\", \"agent\": \"ocf:heartbeat:IPaddr2\", $monitor
           \"params\": {\"ip\": \"$HA_VIP\", \"cidr_netmask\": \"24\", \"nic\": \"eth0\"}}"
  else
    echo "{\"name\": \"web-ip\", \"agent\": \"vip\", $monitor
           \"params\": {\"address\": \"$HA_VIP/24\", \"interface\": \"eth0\"}}"
  fi
}

# The self_fence command of every test config (design §4.8; tests never reboot the
# machine): records "NODE GROUP TERM BY" in $HA_DIR/self_fenced.log, then does what
# a reboot would do to that node: its daemon, supervisor and scripts die, the VIP
# leaves its eth0 (the command runs in the node's namespace).
ha_write_self_fence() {
  cat > "$HA_DIR/self-fence" <<SH
#!/bin/sh
echo "\$HACLUSTER_NODE \$1 \$2 \$HACLUSTER_BY" >> "$HA_DIR/self_fenced.log"
pkill -9 -f "hacluster-supervisor \\\[\$HACLUSTER_NODE\\\]" 2>/dev/null
kill -9 "\$(cat "$HA_DIR/\$HACLUSTER_NODE/daemon.pid")" 2>/dev/null
ip addr del "$HA_VIP/24" dev eth0 2>/dev/null
exit 0
SH
  chmod 0755 "$HA_DIR/self-fence"
}

# The config of the 3-node cluster. HA_CONFIG_EXTRA and HA_GROUP_EXTRA add members
# to the top level and to the group, each ending in a comma (the benchmark's lease
# and stop budget: test/bench/lib.sh); HA_RESOURCES_EXTRA resources before the
# VIP's, ending in a comma; HA_RESOURCES_AFTER resources after it, starting with one.
ha_write_config() {
  local nodes="" members="" i
  for ((i = 1; i <= HA_NODES; i++)); do
    nodes+="${nodes:+, }{\"name\": \"n$i\", \"addresses\": [\"198.18.0.$i\"]}"
    members+="${members:+, }\"n$i\""
  done
  cat > "$HA_DIR/cluster.json" <<JSON
{"cluster": "it",
 "nodes": [$nodes],
 "heartbeat": {"port": 5405, $HA_TIMING},
 ${HA_CONFIG_EXTRA:-}
 "auth_key_file": "$HA_DIR/authkey",
 "self_fence": {"action": "command", "command": "$HA_DIR/self-fence"},
 "groups": [{"name": "web", "nodes": [$members], "failback": false, ${HA_GROUP_EXTRA:-}
             "resources": [${HA_RESOURCES_EXTRA:-}$(ha_resource_json)${HA_RESOURCES_AFTER:-}]}]}
JSON
}

ha_daemon_bin() { if [ -n "$HA_INSTALLED" ]; then echo /usr/sbin/haclusterd; else echo "$HA_BIN/haclusterd"; fi; }
ha_ctl_bin() { if [ -n "$HA_INSTALLED" ]; then echo /usr/bin/haclusterctl; else echo "$HA_BIN/haclusterctl"; fi; }

# ha_start NODE: starts haclusterd for node NODE (n1, n2, ...) in its namespace.
ha_start() {
  local node=$1 scripts=()
  [ -n "$HA_INSTALLED" ] || scripts=(env "HACLUSTER_SCRIPTS_DIR=$HA_SOURCE_SCRIPTS")
  ip netns exec "$(ha_ns "$node")" "${scripts[@]}" "$(ha_daemon_bin)" --config "$HA_DIR/cluster.json" \
    --node "$node" --socket "$HA_DIR/$node/ctl.sock" --state-dir "$HA_DIR/$node/state" \
    --log-level debug >>"$HA_DIR/$node/daemon.log" 2>&1 &
  echo $! > "$HA_DIR/$node/daemon.pid"
  disown
}

ha_start_all() {
  local i
  for ((i = 1; i <= HA_NODES; i++)); do ha_start "n$i"; done
}

ha_pid() { cat "$HA_DIR/$1/daemon.pid"; }

ha_ctl() {
  local node=$1; shift
  "$(ha_ctl_bin)" --socket "$HA_DIR/$node/ctl.sock" "$@"
}

# Nodes whose eth0 holds the VIP, space-separated.
ha_vip_holders() {
  local i out=""
  for ((i = 1; i <= HA_NODES; i++)); do
    if ip -n "$(ha_ns "n$i")" -4 addr show dev eth0 2>/dev/null | grep -q "inet $HA_VIP/"; then
      out+="${out:+ }n$i"
    fi
  done
  echo "$out"
}

# What the client gets from the service behind the VIP ("" on failure).
ha_probe() {
  ip netns exec "$(ha_ns client)" curl -s --max-time 0.2 "http://$HA_VIP:$HA_PORT/" 2>/dev/null | tr -d '\n'
}

# ha_wait CONDITION_CMD SECONDS: polls every 50 ms, bounded.
ha_wait() {
  local cmd=$1 limit=$2 end
  end=$(( $(date +%s%N) + limit * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do
    if eval "$cmd"; then return 0; fi
    sleep 0.05
  done
  return 1
}

ha_dump_logs() {
  local i
  for ((i = 1; i <= HA_NODES; i++)); do
    echo "---- n$i daemon log (last 40 lines)"
    tail -n 40 "$HA_DIR/n$i/daemon.log" 2>/dev/null
  done
}

ha_cleanup() {
  local i
  for ((i = 1; i <= HA_NODES; i++)); do
    for f in daemon.pid http.pid; do
      [ -f "$HA_DIR/n$i/$f" ] && kill -CONT "$(cat "$HA_DIR/n$i/$f")" 2>/dev/null
      [ -f "$HA_DIR/n$i/$f" ] && kill -KILL "$(cat "$HA_DIR/n$i/$f")" 2>/dev/null
    done
  done
  # Anything else still running in our namespaces (scripts, arping).
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${HA_PREFIX}-"); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  [ -n "${HA_KEEP:-}" ] || rm -rf "$HA_DIR"
}
