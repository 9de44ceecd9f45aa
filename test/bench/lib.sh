# Shared by test/bench/failover and test/bench/idle (source it after
# test/integration/harness.sh): the products' timing presets, the haclusterd config the
# benchmarks use, and running keepalived (Debian's package) in the harness's topology.
# shellcheck shell=bash

now_ns() { local t=${EPOCHREALTIME//[!0-9]/}; echo "${t}000"; }
loadavg() { local a b c rest; read -r a b c rest </proc/loadavg; echo "$a $b $c"; }
# Sleeps US microseconds.
sleep_us() { sleep "$(printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)))"; }

# The harness starts services and daemons as jobs of this shell; ha_cleanup SIGKILLs
# them. Disowned, bash does not report every one of those kills.
disown_harness_jobs() {
  local f
  for f in "$HA_DIR"/n*/http.pid "$HA_DIR"/n*/daemon.pid; do
    [ -f "$f" ] && disown "$(cat "$f")" 2>/dev/null
  done
  return 0
}

# ---- haclusterd ------------------------------------------------------------------------

# Timing configs. "default" spells out the daemon's defaults (agent/config.h); "fast" is
# the smallest one agent/config.cpp validate() accepts around a 10 ms heartbeat:
# tick ≤ interval, tick ≤ lease.margin_ms, timeout ≥ 2 × interval.
# Sets interval_ms (the heartbeat cycle the fault phase is drawn from), timing_label,
# timing_desc and the config's fields.
hac_set_timing() {
  case $1 in
    # The stop budget: each resource's class default (README "Stop budgets") unless set.
    default) interval_ms=100 timeout_ms=500 tick_ms=10 margin_ms=20 drift_ppm=10000 stop_timeout_ms= ;;
    fast) interval_ms=10 timeout_ms=30 tick_ms=1 margin_ms=5 drift_ppm=10000 stop_timeout_ms= ;;
    # "tuned": everything on the failover path at its smallest sensible value for a
    # VIP — timeout 2 heartbeats, clocks trusted to 0.1 % (NTP-disciplined), a 2 ms
    # margin, and a 15 ms stop budget (the vip stop is one `ip addr del`, a few ms;
    # a stop that overruns it is what the duplicate-VIP column would show).
    tuned) interval_ms=10 timeout_ms=20 tick_ms=1 margin_ms=2 drift_ppm=1000 stop_timeout_ms=15 ;;
    *) return 1 ;;
  esac
  HA_TIMING="\"interval_ms\": $interval_ms, \"timeout_ms\": $timeout_ms, \"tick_ms\": $tick_ms"
  # What the harness's config (ha_write_config) leaves at the daemon's defaults.
  HA_CONFIG_EXTRA="\"lease\": {\"margin_ms\": $margin_ms, \"max_clock_drift_ppm\": $drift_ppm},"
  HA_GROUP_EXTRA=""
  [ -n "$stop_timeout_ms" ] && HA_GROUP_EXTRA="\"stop_timeout_ms\": $stop_timeout_ms,"
  HA_MONITOR_MS=""  # the default 10 s: idle numbers count no 200 ms monitors
  timing_label="haclusterd, timing: interval $interval_ms ms, timeout $timeout_ms ms"
  [ "$1" = default ] || timing_label+=", tick $tick_ms ms, lease margin $margin_ms ms, drift $drift_ppm ppm, stop budget ${stop_timeout_ms:-per class}${stop_timeout_ms:+ ms}"
  timing_desc="interval $interval_ms ms, timeout $timeout_ms ms, tick $tick_ms ms, lease margin $margin_ms ms, drift $drift_ppm ppm, stop_timeout ${stop_timeout_ms:-per class}${stop_timeout_ms:+ ms}"
  # How long a trial waits for the failover at most.
  observe_s=$((timeout_ms * 10 / 1000)); [ "$observe_s" -lt 5 ] && observe_s=5
  return 0
}

# proc_stat PID: sets stat_comm, stat_ppid, stat_pgrp from /proc/PID/stat (the comm
# may hold spaces and parentheses: the fields after it follow its last ")").
proc_stat() {
  local line rest
  IFS= read -r line 2>/dev/null <"/proc/$1/stat" || return 1
  stat_comm=${line#*(}; stat_comm=${stat_comm%)*}
  rest=${line##*) }
  read -r _ stat_ppid stat_pgrp _ <<<"$rest"
}

# The supervisor haclusterd forked (comm "hacluster-sup"), or nothing.
hac_supervisor_pid() {  # DAEMON_PID
  local p
  for p in /proc/[0-9]*; do
    proc_stat "${p#/proc/}" || continue
    if [ "$stat_ppid" = "$1" ] && [ "$stat_comm" = hacluster-sup ]; then
      echo "${p#/proc/}"
      return 0
    fi
  done
  return 0
}

# ---- keepalived ------------------------------------------------------------------------
#
# One keepalived per node namespace, VRRP only (-P), in the foreground (-n), logging to
# its console (-l -D, into a file), with its own config and pid files (-f, -p, -r) in a
# directory of the trial, as BENCHMARKING.md runs it. It is started through setsid, so
# its main process leads a process group that holds it and its VRRP child, and a fault
# reaches all of its processes with one kill(2) of the group. Its main pid is written to
# the harness's daemon.pid, so ha_cleanup SIGCONTs and SIGKILLs it like a haclusterd; the
# VRRP child dies with the namespace's other processes in ha_cleanup.
#
# VRRP: one instance, virtual_router_id 51, priorities 150 / 100 / 50 for n1 / n2 / n3,
# unicast to the two other nodes' 198.18.0.x addresses (no multicast, no authentication),
# every node `state BACKUP` with `nopreempt`: the same placement policy as the haclusterd
# config's "failback": false (a recovered node does not take the VIP back from a lower
# priority master); at start-up n1 wins, its lower skew makes its master-down timer expire
# first. The VIP is 198.18.0.100/24 on eth0; keepalived sends its gratuitous ARPs itself.

KEEPALIVED=${KEEPALIVED:-$(command -v keepalived || echo /usr/sbin/keepalived)}

# Presets: "default" = keepalived's defaults (VRRPv2, advert_int 1 s); "fast" =
# advert_int 0.01 s, its smallest, which needs VRRPv3 (VRRPv2 rounds sub-second
# intervals to whole seconds).
ka_set_timing() {
  case $1 in
    default) ka_advert=1 ka_version=2 interval_ms=1000 ;;
    fast) ka_advert=0.01 ka_version=3 interval_ms=10 ;;
    *) return 1 ;;
  esac
  timing_label="keepalived, VRRPv$ka_version advert_int $ka_advert s, unicast, nopreempt"
  timing_desc="keepalived $("$KEEPALIVED" --version 2>&1 | sed -n '1s/^Keepalived v\([^ ]*\).*/\1/p'), VRRPv$ka_version, advert_int $ka_advert s, priorities 150/100/50, unicast peers, all state BACKUP + nopreempt"
  observe_s=$((interval_ms * 10 / 1000)); [ "$observe_s" -lt 5 ] && observe_s=5
  return 0
}

ka_priority() { local p=$((150 - 50 * ($1 - 1))); [ "$p" -lt 1 ] && p=1; echo "$p"; }

# ka_write_configs DIR: DIR/keepalived-nI.conf for every node.
ka_write_configs() {
  local dir=$1 i j peers
  for ((i = 1; i <= HA_NODES; i++)); do
    peers=""
    for ((j = 1; j <= HA_NODES; j++)); do
      [ "$j" = "$i" ] || peers+="    198.18.0.$j"$'\n'
    done
    cat >"$dir/keepalived-n$i.conf" <<EOF
global_defs {
  router_id n$i
  vrrp_version $ka_version
}
vrrp_instance web {
  state BACKUP
  nopreempt
  interface eth0
  virtual_router_id 51
  priority $(ka_priority "$i")
  advert_int $ka_advert
  unicast_src_ip 198.18.0.$i
  unicast_peer {
$peers  }
  virtual_ipaddress {
    $HA_VIP/24 dev eth0
  }
}
EOF
  done
}

# ka_check_config DIR: keepalived's own config test (-t), in n1's namespace.
ka_check_config() {
  ip netns exec "$(ha_ns n1)" "$KEEPALIVED" -t -l -f "$1/keepalived-n1.conf"
}

# ka_start NODE DIR: keepalived for NODE with DIR/keepalived-NODE.{conf,pid,vrrp.pid,log}.
ka_start() {
  local node=$1 dir=$2
  ip netns exec "$(ha_ns "$node")" setsid "$KEEPALIVED" -n -l -D -P \
    -f "$dir/keepalived-$node.conf" -p "$dir/keepalived-$node.pid" \
    -r "$dir/keepalived-$node.vrrp.pid" >>"$dir/keepalived-$node.log" 2>&1 &
  echo $! >"$HA_DIR/$node/daemon.pid"
  disown
}

ka_start_all() {  # DIR
  local i
  for ((i = 1; i <= HA_NODES; i++)); do ka_start "n$i" "$1"; done
}

# The pids of NODE's keepalived: every process of the group its main process leads.
ka_pids() {  # NODE
  local main p out=""
  main=$(ha_pid "$1")
  for p in /proc/[0-9]*; do
    proc_stat "${p#/proc/}" || continue
    [ "$stat_pgrp" = "$main" ] && out+="${out:+ }${p#/proc/}"
  done
  echo "$out"
}

# SIGKILL and SIGCONT everything this file started (by pid: the main processes in the
# harness's daemon.pid files and their groups); ha_cleanup then removes the rest.
ka_kill_all() {
  local i main
  for ((i = 1; i <= HA_NODES; i++)); do
    [ -f "$HA_DIR/n$i/daemon.pid" ] || continue
    main=$(cat "$HA_DIR/n$i/daemon.pid")
    kill -KILL -- "-$main" 2>/dev/null
    kill -CONT -- "-$main" 2>/dev/null
  done
  return 0
}
