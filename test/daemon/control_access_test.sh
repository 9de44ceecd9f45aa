#!/usr/bin/env bash
# ctest daemon.control_access: the control socket's access rules with real users
# (daemon/control_access.h). A one-node cluster on loopback run by root; two
# system users made for the test (one in haclient, one not) and removed after it,
# with haclient itself when the test had to make it. Root only (exit 77 otherwise).
# Usage: control_access_test.sh HACLUSTERD HACLUSTERCTL
set -u
daemon=${1:?usage: control_access_test.sh HACLUSTERD HACLUSTERCTL}
ctl=${2:?usage: control_access_test.sh HACLUSTERD HACLUSTERCTL}
for tool in useradd userdel groupadd groupdel setpriv; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool missing"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root (it adds users)"; exit 77; }

member="hactl-m$$"
outsider="hactl-x$$"
made_group=""
pid=""
sup=""
tmp=$(mktemp -d /tmp/hacluster-access-XXXXXX)
chmod 0755 "$tmp"  # the test users must get to the socket's directory
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  [ -n "$sup" ] && kill -KILL "$sup" 2>/dev/null
  userdel "$member" 2>/dev/null
  userdel "$outsider" 2>/dev/null
  [ -n "$made_group" ] && groupdel haclient 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
check() {  # check "what" COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; passed=$((passed + 1)); return 0; fi
  echo "FAIL: $what"; failed=$((failed + 1)); tail -5 "$tmp/daemon.log"; return 1
}
wait_for() {
  local end=$(( $(date +%s%N) + $2 * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do eval "$1" && return 0; sleep 0.05; done
  return 1
}

if ! getent group haclient >/dev/null; then
  groupadd --system haclient || exit 1
  made_group=1
fi
useradd --system --no-create-home --shell /usr/sbin/nologin --groups haclient "$member" || exit 1
useradd --system --no-create-home --shell /usr/sbin/nologin "$outsider" || exit 1
as() {  # as USER COMMAND...: run with that user's uid, gid and groups
  local user=$1; shift
  setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups "$@"
}

cat > "$tmp/agent.sh" <<SH
#!/bin/sh
case "\$1" in
  start) touch "$tmp/running" ;;
  stop) rm -f "$tmp/running" ;;
  monitor) [ -f "$tmp/running" ] || exit 7 ;;
esac
exit 0
SH
chmod 0755 "$tmp/agent.sh"
head -c 32 /dev/urandom > "$tmp/authkey"
chmod 0600 "$tmp/authkey"
port=$(( 20000 + RANDOM % 20000 ))
cat > "$tmp/cluster.json" <<JSON
{"cluster": "acc", "nodes": [{"name": "a1", "addresses": ["127.0.0.1"]}],
 "heartbeat": {"port": $port}, "auth_key_file": "$tmp/authkey", "self_fence": "off",
 "groups": [{"name": "web", "nodes": ["a1"], "resources": [{"name": "svc", "agent": "$tmp/agent.sh"}]}]}
JSON
sock="$tmp/run/ctl.sock"  # its directory does not exist: the daemon makes it
"$daemon" --config "$tmp/cluster.json" --node a1 --socket "$sock" --state-dir "$tmp/state" >"$tmp/daemon.log" 2>&1 &
pid=$!
check "the daemon answers root" wait_for '"$ctl" --socket "$sock" --json groups >/dev/null 2>&1' 10
sup=$(pgrep -P "$pid")

check "the socket is 0660 root:haclient" [ "$(stat -c '%a %U %G' "$sock")" = "660 root haclient" ]
check "its directory was made 0750 root:haclient" [ "$(stat -c '%a %U %G' "$tmp/run")" = "750 root haclient" ]

# A member of haclient reads.
for command in "status" "nodes" "groups" "events"; do
  check "a member of haclient may run '$command'" eval 'as "$member" "$ctl" --socket "$sock" $command >"$tmp/out" 2>&1; [ $? -ne 3 ] && [ -s "$tmp/out" ] && ! grep -q "permission denied" "$tmp/out"'
done
# ... but changes nothing.
for command in "switchover web" "standby a1" "online a1" "maintenance on" "cleanup web"; do
  as "$member" "$ctl" --socket "$sock" $command >"$tmp/out" 2>"$tmp/err"
  rc=$?
  check "a member of haclient may not run '$command' (exit $rc: $(cat "$tmp/err"))" \
    eval '[ $rc -eq 1 ] && grep -q "permission denied: changes need root (uid $(id -u "$member") may only read" "$tmp/err"'
done
# Someone outside haclient cannot connect at all.
as "$outsider" "$ctl" --socket "$sock" status >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a user outside haclient is refused by the socket (exit $rc: $(cat "$tmp/err"))" \
  eval '[ $rc -eq 3 ] && grep -qi "permission denied" "$tmp/err"'
# Root changes.
check "root may put the node in standby" "$ctl" --socket "$sock" standby a1
check "root may bring it online again" "$ctl" --socket "$sock" online a1

kill -TERM "$pid"
check "the daemon leaves and exits" wait_for '! kill -0 '"$pid"' 2>/dev/null' 10
pid=""
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
