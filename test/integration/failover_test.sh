#!/usr/bin/env bash
# Integration tests: three real haclusterd in network namespaces move a real VIP
# (test/integration/harness.sh). Run by ctest as root; exit 77 (skipped) otherwise.
# Usage: failover_test.sh BIN_DIR|--installed [TEST_NAME...]
# (--installed: the package's /usr/sbin/haclusterd and /usr/bin/haclusterctl.)
set -u
if [ "${1:-}" = --installed ]; then
  HA_INSTALLED=1
  HA_BIN=/usr/sbin
else
  HA_BIN=$(cd "${1:?usage: failover_test.sh BIN_DIR|--installed [TEST...]}" && pwd)
fi
shift
source "$(dirname "$0")/harness.sh"
ha_require_root
[ -x "$(ha_daemon_bin)" ] || { echo "no $(ha_daemon_bin)"; exit 1; }
[ -x "$(ha_ctl_bin)" ] || { echo "no $(ha_ctl_bin)"; exit 1; }

source "$(dirname "$0")/test_lib.sh"

test_vip_on_one_node() {
  fresh_cluster vip
  check "the VIP is on exactly one node ($(ha_vip_holders))" one_holder
  local holder; holder=$(ha_vip_holders)
  check "the client reaches the service through the VIP" [ "$(ha_probe)" = "$holder" ]
}

test_link_cut() {
  fresh_cluster cut
  local old; old=$(ha_vip_holders)
  ip -n "$(ha_ns "$old")" link set eth0 down
  check "the VIP answers from another node after cutting $old's link" \
    ha_wait 'p=$(ha_probe); [ -n "$p" ] && [ "$p" != "'"$old"'" ]' 5
  check "no two nodes hold the VIP after the failover" never_two_holders 2
  check "the isolated node dropped the VIP" lacks_vip "$old"
  ip -n "$(ha_ns "$old")" link set eth0 up
  sleep 2
  check "after the heal exactly one node holds it ($(ha_vip_holders))" one_holder
  check "and it did not move back to $old" [ "$(ha_vip_holders)" != "$old" ]
}

test_graceful_stop() {
  fresh_cluster term
  local old start end ms; old=$(ha_vip_holders)
  start=$(date +%s%N)
  kill -TERM "$(ha_pid "$old")"
  ha_wait 'h=$(ha_vip_holders); [ -n "$h" ] && [ "$h" != "'"$old"'" ]' 5
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  check "a graceful stop of $old moves the VIP in ${ms} ms (< the 500 ms failure timeout)" \
    [ "$ms" -lt 500 ]
  check "the stopped daemon exited" ha_wait "! kill -0 $(ha_pid "$old") 2>/dev/null" 5
  check "exactly one node holds the VIP" one_holder
}

test_sigkill() {
  fresh_cluster kill
  local old; old=$(ha_vip_holders)
  check "$old runs a supervisor beside its daemon" pgrep -f "hacluster-supervisor \\[$old\\]" >/dev/null
  kill -KILL "$(ha_pid "$old")"
  # The supervisor stops the group at once when its daemon is gone.
  check "the supervisor of killed $old removed the VIP" ha_wait "! has_vip $old" 2
  check "the VIP answers from another node" \
    ha_wait 'p=$(ha_probe); [ -n "$p" ] && [ "$p" != "'"$old"'" ]' 5
  check "no two nodes hold the VIP" never_two_holders 2
  check "the supervisor exited once its stop was done" \
    ha_wait "! pgrep -f 'hacluster-supervisor \\[$old\\]' >/dev/null" 3
  local new; new=$(ha_vip_holders)
  # A new daemon on the same state dir joins as a standby.
  ha_start "$old"
  check "the restarted $old rejoins" ha_wait '[ "$(node_state '"$old"' '"$old"')" = online ]' 5
  sleep 1
  check "exactly one node holds the VIP" one_holder
  check "and it stayed on $new" [ "$(ha_vip_holders)" = "$new" ]
}

# No failover when the primary's daemon dies and comes straight back: its
# supervisor keeps the VIP up until the lease's stop_at and hands it to the new
# daemon, which renews the lease under the same term.
test_restart() {
  fresh_cluster restart
  local old; old=$(ha_vip_holders)
  (always_has_vip "$old" 4 >"$HA_DIR/always.out" 2>&1; echo $? >"$HA_DIR/always.rc") &
  local sampler=$!
  kill -KILL "$(ha_pid "$old")"
  ha_start "$old"
  check "the restarted daemon on $old is up" ha_wait '[ "$(primary_of '"$old"')" = '"$old"' ]' 5
  wait "$sampler"
  check "$old kept the VIP through the restart: no failover ($(cat "$HA_DIR/always.out"))" \
    [ "$(cat "$HA_DIR/always.rc")" = 0 ]
  check "no other node took it" never_two_holders 1
  check "the old supervisor handed over and exited" \
    ha_wait "[ \$(pgrep -fc 'hacluster-supervisor \\[$old\\]') = 1 ]" 3
  check "every node names $old primary" \
    ha_wait '[ "$(primary_of n1)$(primary_of n2)$(primary_of n3)" = "'"$old$old$old"'" ]' 3
}

test_sigstop() {
  fresh_cluster stop
  local old new; old=$(ha_vip_holders)
  kill -STOP "$(ha_pid "$old")"
  # Sampled from the moment of the freeze: the supervisor stops the VIP before
  # the lease can end elsewhere, so there is no window with two holders at all.
  check "no two nodes hold the VIP while $old is frozen" never_two_holders 3
  check "the VIP answers from another node" \
    ha_wait 'p=$(ha_probe); [ -n "$p" ] && [ "$p" != "'"$old"'" ]' 2
  check "frozen $old no longer holds the VIP" lacks_vip "$old"
  new=$(ha_vip_holders)
  kill -CONT "$(ha_pid "$old")"
  check "after SIGCONT no two nodes hold the VIP" never_two_holders 2
  check "and $old did not take it back from $new" [ "$(ha_vip_holders)" = "$new" ]
  check "the resumed $old is online again" ha_wait '[ "$(node_state '"$old"' '"$old"')" = online ]' 5
}

# fail_count ASKED: web-ip's fail count in ASKED's status.
fail_count() {
  ha_ctl "$1" --json status | python3 -c '
import json, sys
g = next(g for g in json.load(sys.stdin)["groups"] if g["name"] == "web")
print(g["resources"][0]["fail_count"])'
}

test_monitor_failures() {
  fresh_cluster mon
  local old i; old=$(ha_vip_holders)
  for i in 1 2; do
    ip -n "$(ha_ns "$old")" addr del "$HA_VIP/24" dev eth0
    check "failure $i: the monitor restarts the VIP in place on $old" \
      ha_wait '[ "$(fail_count '"$old"')" = '"$i"' ] && has_vip '"$old" 5
    check "failure $i: the client reaches $old again" ha_wait '[ "$(ha_probe)" = "'"$old"'" ]' 5
  done
  ip -n "$(ha_ns "$old")" addr del "$HA_VIP/24" dev eth0
  check "failure 3 (max_failures): the group moves away from $old" \
    ha_wait 'h=$(ha_vip_holders); [ -n "$h" ] && [ "$h" != "'"$old"'" ]' 5
  check "status on $old shows fail_count 3" [ "$(fail_count "$old")" = 3 ]
  check "exactly one node holds the VIP" one_holder
}

# primary_of ASKED: the group's primary in ASKED's status ("" when none).
primary_of() {
  ha_ctl "$1" --json status 2>/dev/null | python3 -c '
import json, sys
g = next(g for g in json.load(sys.stdin)["groups"] if g["name"] == "web")
print(g["primary"] or "")' 2>/dev/null
}

# Stops NODE's daemon gracefully and waits for it to exit.
stop_daemon() {
  kill -TERM "$(ha_pid "$1")"
  ha_wait "! kill -0 $(ha_pid "$1") 2>/dev/null" 5
}

# Samples every 20 ms for SECONDS; fails the moment NODE lacks the VIP.
always_has_vip() {
  local node=$1 end=$(( $(date +%s%N) + $2 * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do
    has_vip "$node" || { echo "$node lost the VIP at $(date +%T.%N)"; return 1; }
    sleep 0.02
  done
}

test_startup_probe() {
  fresh_cluster probe
  local holder other; holder=$(ha_vip_holders)
  other=n3
  [ "$holder" = n3 ] && other=n2
  stop_daemon "$other"
  # Someone started the resource by hand on a standby while its daemon was down.
  ip -n "$(ha_ns "$other")" addr add "$HA_VIP/24" dev eth0
  ha_start "$other"
  check "the restarted $other stops the VIP the cluster runs on $holder" ha_wait "lacks_vip $other" 5
  check "and $holder kept it: no failover" always_has_vip "$holder" 1
  check "exactly one node holds the VIP" one_holder

  # Cold start: no daemon anywhere, the VIP up on n1 (the first in priority).
  local i
  for i in 1 2 3; do stop_daemon "n$i"; done
  ip -n "$(ha_ns n1)" addr add "$HA_VIP/24" dev eth0 2>/dev/null
  for i in 1 2 3; do ha_start "n$i"; done
  check "n1 adopts the VIP it already holds: it never goes down while the cluster starts" \
    always_has_vip n1 3
  check "status names n1 primary" ha_wait '[ "$(primary_of n2)" = n1 ]' 5
  check "exactly one node holds the VIP" one_holder
}

# The same VIP through Debian's ocf:heartbeat:IPaddr2, run unmodified.
test_ocf_ipaddr2() {
  if [ ! -x /usr/lib/ocf/resource.d/heartbeat/IPaddr2 ]; then
    echo "skipped: no ocf:heartbeat:IPaddr2 (apt-get install resource-agents; scripts/deps.sh does)"
    return
  fi
  HA_AGENT=IPaddr2 fresh_cluster ocf
  check "IPaddr2 puts the VIP on exactly one node ($(ha_vip_holders))" one_holder
  local old; old=$(ha_vip_holders)
  check "the client reaches the service through it" [ "$(ha_probe)" = "$old" ]
  ip -n "$(ha_ns "$old")" link set eth0 down
  check "a link cut on $old moves it" ha_wait 'p=$(ha_probe); [ -n "$p" ] && [ "$p" != "'"$old"'" ]' 5
  check "no two nodes hold it" never_two_holders 2
  check "the isolated node's IPaddr2 stop removed it" lacks_vip "$old"
  ip -n "$(ha_ns "$old")" link set eth0 up
}

test_switchover_and_standby() {
  fresh_cluster ops
  local old target out
  old=$(ha_vip_holders)
  target=n3
  [ "$old" = n3 ] && target=n2
  out=$(ha_ctl n1 switchover web --to "$target" 2>&1)
  check "haclusterctl switchover web --to $target is accepted ($out)" [ $? -eq 0 ]
  check "the VIP moves to $target" ha_wait '[ "$(ha_vip_holders)" = "'"$target"'" ]' 5
  check "the client reaches $target through the VIP" ha_wait '[ "$(ha_probe)" = "'"$target"'" ]' 5
  ha_ctl n1 switchover web --to n9 >/dev/null 2>&1
  check "a switchover to an unknown node exits 1" [ $? -eq 1 ]
  out=$(ha_ctl n2 standby "$target" 2>&1)
  check "haclusterctl standby $target is accepted ($out)" [ $? -eq 0 ]
  check "the VIP leaves the node in standby" \
    ha_wait 'h=$(ha_vip_holders); [ -n "$h" ] && [ "$h" != "'"$target"'" ]' 5
  check "status shows $target in standby" ha_wait '[ "$(node_state n1 '"$target"')" = standby ]' 3
  ha_ctl n2 online "$target" >/dev/null 2>&1
  check "haclusterctl online $target brings it back" \
    ha_wait '[ "$(node_state n1 '"$target"')" = online ]' 3
  check "exactly one node holds the VIP" one_holder
}

# The operator's commands of issue 12 (ctl/README.md): status as a check (exit 0,
# 1, 2), switchover --wait, config show, reload.
config_field() {  # config_field NODE PYTHON_EXPR_ON_d: evaluated on `config show --json`
  ha_ctl "$1" --json config show | python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}
test_ops_commands() {
  fresh_cluster opsctl
  local old target out rc others=() n
  old=$(ha_vip_holders)
  out=$(ha_ctl n1 status --short 2>&1); rc=$?
  check "status of a healthy cluster is OK, exit 0 ($out)" eval '[ $rc -eq 0 ] && [[ "$out" == "HACLUSTER OK: 3/3 nodes online"* ]]'
  target=n3
  [ "$old" = n3 ] && target=n2
  out=$(ha_ctl n1 switchover web --to "$target" --wait 2>&1); rc=$?
  check "switchover --wait returns once web runs on $target (exit $rc: $out)" \
    eval '[ $rc -eq 0 ] && [ "$(ha_vip_holders)" = "$target" ]'
  check "and says how long it took" eval '[[ "$out" =~ "web runs on $target: the switchover took "[0-9]+\.[0-9]{3}" s" ]]'

  local h1 h2 h3
  h1=$(config_field n1 'd["hash"]')
  h2=$(config_field n2 'd["hash"]')
  h3=$(ha_ctl n1 --json config show "$HA_DIR/cluster.json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["hash"])')
  check "config show: one config hash on every node, the file's ($h1 $h2 $h3)" eval '[ -n "$h1" ] && [ "$h1" = "$h2" ] && [ "$h1" = "$h3" ]'
  check "config show spells out the defaults (max_failures 3, the vip's 100 ms stop budget)" \
    eval '[ "$(config_field n1 "(d[\"config\"][\"groups\"][0][\"resources\"][0][\"max_failures\"], d[\"config\"][\"groups\"][0][\"resources\"][0][\"stop_timeout_ms\"], d[\"file_state\"])")" = "(3, 100, '"'same'"')" ]'

  out=$(ha_ctl n1 reload 2>&1); rc=$?
  check "reload of the unchanged file: exit 0 ($out)" eval '[ $rc -eq 0 ] && [[ "$out" == *"no change"* ]]'
  cp "$HA_DIR/cluster.json" "$HA_DIR/cluster.json.good"
  sed -i 's/"interval_ms": 100/"interval_ms": 90/' "$HA_DIR/cluster.json"
  out=$(ha_ctl n1 reload 2>&1); rc=$?
  check "reload of a changed cluster setting says it waits for a restart: exit 1 ($out)" \
    eval '[ $rc -eq 1 ] && [[ "$out" == *"take effect when this daemon restarts"* ]]'
  check "config show says the file changed" eval '[ "$(config_field n1 "d[\"file_state\"]")" = changed ]'
  echo '{"cluster": ' > "$HA_DIR/cluster.json"
  out=$(ha_ctl n1 reload 2>&1); rc=$?
  check "reload of a broken file is refused: exit 1 ($out)" eval '[ $rc -eq 1 ] && [[ "$out" == *"the file is rejected"* ]]'
  cp "$HA_DIR/cluster.json.good" "$HA_DIR/cluster.json"

  for n in n1 n2 n3; do [ "$n" != "$target" ] && others+=("$n"); done
  ip -n "$(ha_ns "${others[0]}")" link set eth0 down
  check "status on $target is a WARNING, exit 1, with ${others[0]} offline" \
    ha_wait 'ha_ctl '"$target"' status --short >"$HA_DIR/check.out" 2>&1; [ $? -eq 1 ] && grep -q "HACLUSTER WARNING: node '"${others[0]}"' OFFLINE" "$HA_DIR/check.out"' 5
  ip -n "$(ha_ns "${others[1]}")" link set eth0 down
  check "status on $target is CRITICAL, exit 2, without quorum" \
    ha_wait 'ha_ctl '"$target"' status --short >"$HA_DIR/check.out" 2>&1; [ $? -eq 2 ] && grep -q "HACLUSTER CRITICAL: quorum lost (1/3 votes, need 2)" "$HA_DIR/check.out"' 5
  ip -n "$(ha_ns "${others[0]}")" link set eth0 up
  ip -n "$(ha_ns "${others[1]}")" link set eth0 up
}

# Sequence numbers of NODE's hook runs, in the order they ran, strictly ascending.
hook_sequences_ascending() {
  awk -v node="$2" '$1 == node { if ($5 <= last) bad = 1; last = $5 } END { exit bad }' "$1"
}

test_hooks() {
  # One hook on every node, appending "LOCAL EVENT NODE GROUP SEQUENCE PREVIOUS" to a shared file.
  local hooks; hooks=$(mktemp -d /tmp/hacluster-it-hooks-XXXXXX)
  local log="$hooks/events"
  printf '#!/bin/sh\necho "$HACLUSTER_LOCAL_NODE $HACLUSTER_EVENT $HACLUSTER_NODE ${HACLUSTER_GROUP:--} $HACLUSTER_SEQUENCE ${HACLUSTER_PREVIOUS_STATE:--}" >> %s\n' \
    "$log" > "$hooks/record"
  chmod 755 "$hooks/record"
  local HA_CONFIG_EXTRA="\"hooks\": [{\"path\": \"$hooks/record\", \"timeout_ms\": 2000}],"
  fresh_cluster hooks
  local old new; old=$(ha_vip_holders)
  check "$old's hook saw it promoted" ha_wait 'grep -q "^$old promoted $old web " "$log"' 3
  ip -n "$(ha_ns "$old")" link set eth0 down
  check "the VIP answers from another node after cutting $old's link" \
    ha_wait 'p=$(ha_probe); [ -n "$p" ] && [ "$p" != "'"$old"'" ]' 5
  new=$(ha_vip_holders | tr ' ' '\n' | grep -v "^$old$" | head -n 1)
  check "$new's hook saw $old go down" ha_wait 'grep -q "^$new node_down $old - [0-9]* up$" "$log"' 3
  check "$new's hook saw it promoted, after promoting" ha_wait 'grep -q "^$new promoted $new web [0-9]* starting$" "$log"' 3
  check "the isolated $old's hook saw it demoted" ha_wait 'grep -q "^$old demoted $old web [0-9]* stopping$" "$log"' 5
  local i
  for ((i = 1; i <= HA_NODES; i++)); do
    check "n$i's hook ran its events in order" hook_sequences_ascending "$log" "n$i"
  done
  # A graceful stop gives the hooks of its last event a moment before the exit.
  local third; third=$(printf '%s\n' n1 n2 n3 | grep -v -e "^$old$" -e "^$new$" | head -n 1)
  kill -TERM "$(ha_pid "$third")"
  check "$third's hook saw it leave before its daemon exited" \
    ha_wait 'grep -q "^$third left $third - " "$log"' 5
  [ "$failed" -eq 0 ] || cat "$log"
  ip -n "$(ha_ns "$old")" link set eth0 up
  rm -rf "$hooks"
}

# fenced_state ASKED NODE: NODE's fencing state in ASKED's status ("" when none).
fenced_state() {
  ha_ctl "$1" --json status | python3 -c '
import json, sys
nodes = json.load(sys.stdin)["nodes"]
f = next(n.get("fencing") for n in nodes if n["name"] == sys.argv[1])
print(f["state"] if f else "")' "$2"
}

test_fencing() {
  # A fence agent with fence-agents' stdin protocol that "powers off" a node: it
  # kills everything in the node's namespace and drops its addresses (a dead
  # machine's kernel would not answer for the VIP any more).
  local fence; fence=$(mktemp -d /tmp/hacluster-it-fence-XXXXXX)
  cat > "$fence/fence_netns" <<'SH'
#!/bin/sh
node="" prefix="" record=/dev/null
while IFS= read -r line; do
  case "$line" in
    nodename=*) node=${line#nodename=} ;;
    prefix=*) prefix=${line#prefix=} ;;
    record=*) record=${line#record=} ;;
  esac
done
[ -n "$node" ] && [ -n "$prefix" ] || exit 1
ns="$prefix-$node"
ip netns pids "$ns" | xargs -r kill -9
ip -n "$ns" addr flush dev eth0 || exit 1
echo "$node" >> "$record"
SH
  chmod 755 "$fence/fence_netns"
  # A 3 s stop budget: without fencing the VIP could move only after a lease of
  # timeout + 3 s + tick and its grant hold, about 3.6 s.
  local HA_GROUP_EXTRA='"stop_timeout_ms": 3000,'
  local HA_CONFIG_EXTRA="\"fencing\": {\"devices\": [{\"name\": \"netns\", \"agent\": \"$fence/fence_netns\",
    \"params\": {\"prefix\": \"hac$$-fencing\", \"record\": \"$fence/fenced\"}}], \"timeout_ms\": 5000},"
  fresh_cluster fencing
  local old new; old=$(ha_vip_holders)
  kill -STOP "$(ha_pid "$old")"
  check "the VIP answers from another node within 2 s of freezing $old (the lease alone: about 3.6 s)" \
    ha_wait 'p=$(ha_probe); [ -n "$p" ] && [ "$p" != "'"$old"'" ]' 2
  check "$old was fenced (once)" [ "$(cat "$fence/fenced" 2>/dev/null)" = "$old" ]
  check "fenced $old no longer holds the VIP" lacks_vip "$old"
  new=$(ha_vip_holders)
  check "no two nodes hold the VIP" never_two_holders 1
  check "$new's status shows $old fenced" ha_wait '[ "$(fenced_state '"$new"' '"$old"')" = fenced ]' 2
  check "$new's events have fencing and fenced for $old" \
    ha_wait 'ha_ctl '"$new"' --json events | python3 -c "
import json, sys
kinds = [e[\"kind\"] for e in json.load(sys.stdin)[\"events\"] if e[\"node\"] == sys.argv[1]]
sys.exit(0 if \"fencing\" in kinds and \"fenced\" in kinds else 1)" '"$old"'' 2
  rm -rf "$fence"
}

# Maintenance: the cluster touches nothing, not even when the primary's daemon
# dies; off: it re-learns where the VIP runs and keeps exactly one holder.
group_state() {
  ha_ctl "$1" --json status 2>/dev/null | python3 -c '
import json, sys
g = next(g for g in json.load(sys.stdin)["groups"] if g["name"] == "web")
print(g["state"])' 2>/dev/null
}

test_maintenance() {
  fresh_cluster maint
  local old out; old=$(ha_vip_holders)
  out=$(ha_ctl n1 maintenance on 2>&1)
  check "haclusterctl maintenance on is accepted ($out)" [ $? -eq 0 ]
  check "every node shows web in maintenance" \
    ha_wait '[ "$(group_state n1)$(group_state n2)$(group_state n3)" = maintenancemaintenancemaintenance ]' 3
  check "status shows MAINTENANCE" ha_wait 'ha_ctl n1 status | grep -q MAINTENANCE' 3
  kill -KILL "$(ha_pid "$old")"
  check "nobody removes the VIP from $old while its daemon is dead" always_has_vip "$old" 3
  check "nobody adds it elsewhere" one_holder
  ha_start "$old"
  check "the restarted $old is still in maintenance (persisted)" \
    ha_wait '[ "$(group_state '"$old"')" = maintenance ]' 5
  check "and left the VIP alone" always_has_vip "$old" 1
  out=$(ha_ctl n2 maintenance off 2>&1)
  check "haclusterctl maintenance off is accepted ($out)" [ $? -eq 0 ]
  check "the cluster adopts the VIP where it runs" ha_wait '[ "$(primary_of n1)" = "'"$old"'" ]' 5
  check "exactly one node holds the VIP" one_holder
  check "no two nodes hold it" never_two_holders 1
  out=$(ha_ctl n1 maintenance on --group web --ttl 2 2>&1)
  check "maintenance with a TTL is accepted ($out)" [ $? -eq 0 ]
  check "it ends by itself" ha_wait '[ "$(group_state n3)" = running ]' 6
  check "exactly one node holds the VIP afterwards" one_holder
}

# node_health ASKED NODE: that node's health in ASKED's `haclusterctl --json status`.
node_health() {
  ha_ctl "$1" --json status | python3 -c '
import json, sys
nodes = json.load(sys.stdin)["nodes"]
print(next(n["health"] for n in nodes if n["name"] == sys.argv[1]))' "$2"
}

# local_check NODE: "STATE/CHECK-STATE" of NODE's own health and its one check.
local_check() {
  ha_ctl "$1" --json status | python3 -c '
import json, sys
h = json.load(sys.stdin)["health"]
print(h["state"] + "/" + h["checks"][0]["state"])'
}

# A script check on every node that fails while $HA_DIR/NODE.sick exists.
write_health_check() {
  cat > "$HA_DIR/health.sh" <<SH
#!/bin/sh
[ ! -e "$HA_DIR/\$HACLUSTER_NODE.sick" ]
SH
  chmod 755 "$HA_DIR/health.sh"
  HA_CONFIG_EXTRA="\"health_checks\": [{\"name\": \"marker\", \"type\": \"script\", \"path\": \"$HA_DIR/health.sh\",
                    \"interval_ms\": 200, \"rise\": 2, \"fall\": 2}],"
}

test_health_check() {
  fresh_cluster health write_health_check
  unset HA_CONFIG_EXTRA
  local old new other
  old=$(ha_vip_holders)
  other=n1
  [ "$old" = n1 ] && other=n2
  check "$old passes its health check" ha_wait '[ "$(local_check '"$old"')" = healthy/passing ]' 3
  touch "$HA_DIR/$old.sick"
  check "the VIP leaves the unhealthy $old" \
    ha_wait 'h=$(ha_vip_holders); [ -n "$h" ] && [ "$h" != "'"$old"'" ]' 5
  check "no two nodes hold the VIP" never_two_holders 1
  new=$(ha_vip_holders)
  check "the client reaches $new through the VIP" ha_wait '[ "$(ha_probe)" = "'"$new"'" ]' 5
  check "$other's status shows $old unhealthy" [ "$(node_health "$other" "$old")" = unhealthy ]
  check "$old's status shows its failing check" [ "$(local_check "$old")" = unhealthy/failing ]
  check "the human status says so" eval 'ha_ctl "$old" status | grep -q "health of $old: UNHEALTHY (marker failed: exit 1)"'
  check "$old still votes: quorum 3/3" eval '[ "$(ha_ctl "$other" --json status | python3 -c "import json,sys; print(json.load(sys.stdin)[\"quorum\"][\"votes\"])")" = 3 ]'
  rm -f "$HA_DIR/$old.sick"
  check "$old is healthy again" ha_wait '[ "$(node_health "'"$other"'" "'"$old"'")" = healthy ]' 5
  sleep 1
  check "the VIP stays on $new (failback never)" [ "$(ha_vip_holders)" = "$new" ]
}

# The promotable test agent's role on NODE: stopped, unpromoted or promoted.
db_role() { cat "$HA_DIR/prom/$1/db.state" 2>/dev/null || echo stopped; }
# Nodes whose instance is promoted, space-separated.
promoted_nodes() {
  local i out=""
  for ((i = 1; i <= HA_NODES; i++)); do
    [ "$(db_role "n$i")" = promoted ] && out+="${out:+ }n$i"
  done
  echo "$out"
}
# Samples every 20 ms for SECONDS; fails if two instances are ever promoted.
never_two_promoted() {
  local end=$(( $(date +%s%N) + $1 * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do
    if [ "$(promoted_nodes | wc -w)" -gt 1 ]; then
      echo "two promoted at $(date +%T.%N): $(promoted_nodes)"
      return 1
    fi
    sleep 0.02
  done
}
# status_field ASKED PYTHON_EXPR: evaluates EXPR on ASKED's status JSON (as s).
status_field() {
  ha_ctl "$1" --json status | python3 -c 'import json, sys; s = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}

# A promotable resource (test/agents: ocf:hacluster:promotable-test) before the
# VIP: unpromoted on every node, promoted where the group is primary.
test_promotable() {
  export OCF_ROOT; OCF_ROOT=$(cd "$(dirname "$0")/../agents/ocf" && pwd)
  local prom_dir; prom_dir=$(mktemp -d /tmp/hacluster-prom-XXXXXX)
  HA_RESOURCES_EXTRA="{\"name\": \"db\", \"agent\": \"ocf:hacluster:promotable-test\", \"promotable\": true,
                       \"monitor_interval_ms\": 200, \"params\": {\"state_dir\": \"$prom_dir\"}}, " \
    fresh_cluster prom
  ln -s "$prom_dir" "$HA_DIR/prom"
  local old others="" n; old=$(ha_vip_holders)
  for n in n1 n2 n3; do [ "$n" != "$old" ] && others+="${others:+ }$n"; done
  check "db is promoted on the VIP holder $old" ha_wait '[ "$(promoted_nodes)" = "'"$old"'" ]' 5
  for n in $others; do
    check "db runs unpromoted on $n" ha_wait '[ "$(db_role '"$n"')" = unpromoted ]' 5
  done
  check "status lists the unpromoted instances ($others)" \
    ha_wait '[ "$(status_field "'"$old"'" "\" \".join(s[\"groups\"][0][\"promotable\"][\"unpromoted\"])")" = "'"$others"'" ]' 5
  check "status shows db promoted on $old" \
    [ "$(status_field "$old" 's["groups"][0]["resources"][0]["state"]')" = promoted ]

  ip -n "$(ha_ns "$old")" link set eth0 down
  check "another node is promoted after cutting $old's link" \
    ha_wait 'p=$(promoted_nodes); [ -n "$p" ] && [ "$p" != "'"$old"'" ]' 5
  check "never two promoted after the failover" never_two_promoted 2
  local new; new=$(ha_vip_holders | tr ' ' '\n' | grep -v "^$old$" | head -1)
  check "the new VIP holder $new is the promoted one" [ "$(promoted_nodes)" = "$new" ]
  check "the isolated $old is demoted, not stopped" [ "$(db_role "$old")" = unpromoted ]
  ip -n "$(ha_ns "$old")" link set eth0 up
  sleep 2
  check "after the heal only $new is promoted ($(promoted_nodes))" [ "$(promoted_nodes)" = "$new" ]
  check "and $old still runs unpromoted" [ "$(db_role "$old")" = unpromoted ]
  check "status on $new lists $old as unpromoted" \
    ha_wait '[[ " $(status_field "'"$new"'" "\" \".join(s[\"groups\"][0][\"promotable\"][\"unpromoted\"])") " == *" '"$old"' "* ]]' 5
  check "status on $old says its instance is unpromoted" \
    [ "$(status_field "$old" 's["groups"][0]["promotable"]["instance_here"]')" = unpromoted ]
  unset OCF_ROOT
  rm -rf "$prom_dir"
}

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(vip_on_one_node link_cut sigkill restart sigstop graceful_stop monitor_failures startup_probe ocf_ipaddr2 switchover_and_standby ops_commands hooks fencing maintenance health_check promotable)
for t in "${tests[@]}"; do
  echo "== $t"
  "test_$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
