#!/usr/bin/env bash
# The real haclusterctl binary: help, usage errors, an unreachable daemon, keygen,
# config check. Usage: cli_test.sh PATH/TO/haclusterctl
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

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all haclusterctl CLI checks passed"
