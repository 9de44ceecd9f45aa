#!/usr/bin/env bash
# The real haclusterctl binary: help, usage errors, an unreachable daemon, keygen,
# config check, agent info. Usage: cli_test.sh PATH/TO/haclusterctl
set -uo pipefail
ctl=${1:?usage: cli_test.sh HACLUSTERCTL}
tmp=$(mktemp -d /tmp/hactl-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect CODE DESCRIPTION -- COMMAND...: runs it with stdout/stderr in $tmp/out, $tmp/err.
expect() {
  local want=$1 what=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, want $want"
    echo "  stdout: $(head -c 2000 "$tmp/out")"
    echo "  stderr: $(head -c 2000 "$tmp/err")"
    failures=$((failures + 1))
    return 1
  fi
  echo "ok: $what"
}

# grep_in FILE PATTERN DESCRIPTION: a fixed string must occur in $tmp/FILE.
grep_in() {
  if ! grep -qF -- "$2" "$tmp/$1"; then
    echo "FAIL: $3: '$2' not in $1:"
    sed 's/^/  /' "$tmp/$1"
    failures=$((failures + 1))
  fi
}

expect 0 "--help" -- "$ctl" --help
grep_in out "switchover" "--help lists the commands"

expect 2 "unknown command" -- "$ctl" frobnicate
grep_in err "haclusterctl: unknown command 'frobnicate'" "usage errors are prefixed and name the command"
[ -s "$tmp/out" ] && { echo "FAIL: usage error printed on stdout"; failures=$((failures + 1)); }

expect 2 "missing argument" -- "$ctl" switchover

expect 3 "status with no daemon" -- "$ctl" status --socket /nonexistent
grep_in err "/nonexistent" "the unreachable message names the socket"

HACLUSTER_SOCKET=/nonexistent/env.sock expect 3 "socket from the environment" -- "$ctl" nodes
grep_in err "/nonexistent/env.sock" "HACLUSTER_SOCKET is used"

# keygen: 32 bytes, mode 0600 even under a permissive umask, never overwritten.
key="$tmp/authkey"
(umask 000 && expect 0 "keygen" -- "$ctl" keygen "$key") || failures=$((failures + 1))
grep_in out "wrote 32-byte key to $key (mode 0600); copy it to every node" "keygen says what it did"
mode=$(stat -c %a "$key" 2>/dev/null)
size=$(stat -c %s "$key" 2>/dev/null)
[ "$mode" = 600 ] || { echo "FAIL: key mode $mode, want 600"; failures=$((failures + 1)); }
[ "$size" = 32 ] || { echo "FAIL: key size $size, want 32"; failures=$((failures + 1)); }
before=$(sha256sum "$key")
expect 1 "keygen refuses to overwrite" -- "$ctl" keygen "$key"
grep_in err "already exists" "keygen says why it refused"
[ "$(sha256sum "$key")" = "$before" ] || { echo "FAIL: the key changed"; failures=$((failures + 1)); }

# config check with the daemon's loader (README.md "Configuration model").
cat >"$tmp/cluster.json" <<'JSON'
{"cluster": "demo",
 "nodes": [{"name": "n1", "addresses": ["198.18.0.1"]},
           {"name": "n2", "addresses": ["198.18.0.2"]},
           {"name": "n3", "addresses": ["198.18.0.3"]}],
 "heartbeat": {"interval_ms": 100, "timeout_ms": 500},
 "auth_key_file": "/etc/hacluster/authkey",
 "groups": [{"name": "web", "nodes": ["n1", "n2", "n3"],
             "resources": [{"name": "web-ip", "agent": "vip",
                            "params": {"address": "198.18.0.100/24", "interface": "eth0"}}]}]}
JSON
expect 0 "config check of a valid config" -- "$ctl" config check "$tmp/cluster.json"
grep_in out "config OK: $tmp/cluster.json" "config check says OK"
grep_in out "worst-case failover" "config check explains the timing"

sed 's/"timeout_ms"/"timeout_msec"/' "$tmp/cluster.json" >"$tmp/typo.json"
expect 1 "config check of a config with a typo" -- "$ctl" config check "$tmp/typo.json"
grep_in err "$tmp/typo.json: heartbeat.timeout_msec" "the error names the file and the JSON path"

# agent info: Debian's own IPaddr2 and Dummy (resource-agents), and the other classes.
ocf_root=${OCF_ROOT:-/usr/lib/ocf}
if [ -x "$ocf_root/resource.d/heartbeat/IPaddr2" ] && [ -x "$ocf_root/resource.d/heartbeat/Dummy" ]; then
  expect 0 "agent info of ocf:heartbeat:IPaddr2" -- "$ctl" agent info ocf:heartbeat:IPaddr2
  grep_in out "path:    $ocf_root/resource.d/heartbeat/IPaddr2" "agent info names the agent's path"
  grep_in out "NAME" "agent info has a parameter table"
  grep -Eq '^ip +yes' "$tmp/out" || { echo "FAIL: ip is not a required parameter of IPaddr2"; sed 's/^/  /' "$tmp/out"; failures=$((failures + 1)); }
  grep -Eq '^monitor +20s +10s' "$tmp/out" || { echo "FAIL: no monitor 20s/10s action"; failures=$((failures + 1)); }
  expect 0 "agent info --json of ocf:heartbeat:Dummy" -- "$ctl" agent info --json ocf:heartbeat:Dummy
  grep_in out '"class": "ocf"' "agent info --json says the class"
  grep_in out '"name": "state"' "agent info --json lists Dummy's state parameter"
  grep_in out '"timeout_ms": 20000' "agent info --json gives action timeouts in ms"

  # config check runs meta-data: a required parameter left out is an error at params.
  cat >"$tmp/ocf.json" <<'JSON'
{"cluster": "demo",
 "nodes": [{"name": "n1", "addresses": ["198.18.0.1"]}, {"name": "n2", "addresses": ["198.18.0.2"]}],
 "groups": [{"name": "web", "nodes": ["n1", "n2"],
             "resources": [{"name": "d", "agent": "ocf:heartbeat:Dummy"},
                           {"name": "web-ip", "agent": "ocf:heartbeat:IPaddr2", "params": {"cidr_netmask": "24"}}]}]}
JSON
  expect 1 "config check: IPaddr2 without its required ip" -- "$ctl" config check "$tmp/ocf.json"
  grep_in err "groups[0].resources[1].params: the required parameter \"ip\" of ocf:heartbeat:IPaddr2 is missing" \
    "the missing required parameter is named with its path"
  sed 's/"cidr_netmask": "24"/"ip": "198.18.0.100"/' "$tmp/ocf.json" >"$tmp/ocf-ok.json"
  expect 0 "config check of OCF resources" -- "$ctl" config check "$tmp/ocf-ok.json"
  sed 's/heartbeat:Dummy/heartbeat:NoSuchAgent/' "$tmp/ocf-ok.json" >"$tmp/ocf-missing.json"
  expect 1 "config check: an agent not installed here" -- "$ctl" config check "$tmp/ocf-missing.json"
  grep_in err "groups[0].resources[0].agent: ocf:heartbeat:NoSuchAgent is not installed: no executable $ocf_root/resource.d/heartbeat/NoSuchAgent" \
    "the missing agent is named with the path searched"
else
  echo "skipped: agent info of OCF agents (no $ocf_root/resource.d/heartbeat/IPaddr2; apt-get install resource-agents)"
fi
expect 1 "agent info of an OCF agent not installed" -- "$ctl" agent info ocf:heartbeat:NoSuchAgent
grep_in err "$ocf_root/resource.d/heartbeat/NoSuchAgent" "agent info names the path searched"
expect 1 "agent info of an lsb script not installed" -- "$ctl" agent info lsb:no-such-service
grep_in err "/etc/init.d/no-such-service" "agent info names the init script searched"
mkdir -p "$tmp/bin" && printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/systemctl" && chmod 755 "$tmp/bin/systemctl"
PATH="$tmp/bin:$PATH" expect 0 "agent info of systemd:nginx" -- "$ctl" agent info systemd:nginx
grep_in out "$tmp/bin/systemctl start nginx" "agent info shows the systemctl commands"
grep_in out "$tmp/bin/systemctl is-active nginx" "agent info shows the monitor command"
expect 1 "agent info of a bad unit name" -- "$ctl" agent info "systemd:-x"
expect 0 "agent info of a script" -- "$ctl" agent info "$tmp/bin/systemctl"
grep_in out "(class script)" "a script path is class script"
expect 0 "agent info of the bundled vip" -- "$ctl" agent info vip
grep_in out "vip start" "agent info shows the bundled agent's start command"
expect 1 "agent info of a relative name" -- "$ctl" agent info nosuch
expect 2 "agent info without a name" -- "$ctl" agent info

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all haclusterctl CLI checks passed"
