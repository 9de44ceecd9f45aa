#!/usr/bin/env bash
# ctest daemon.systemd: the real haclusterd as systemd runs it (daemon/systemd_notify.h,
# daemon/journal_sink.h). A one-node cluster on loopback; a stand-in for systemd's
# notify socket ($NOTIFY_SOCKET, $WATCHDOG_USEC) and for journald's socket, the
# latter at /run/systemd/journal/socket inside a private mount namespace (a tmpfs
# over /run there; the host's /run is untouched). Checks READY=1 after the probe
# and the join, STATUS= with quorum and the group held, WATCHDOG=1 that stops
# while the daemon is frozen, STOPPING=1 on SIGTERM, and journal entries with
# priorities and HACLUSTER_* fields. Root only (exit 77 otherwise).
# Usage: systemd_test.sh HACLUSTERD HACLUSTERCTL
set -u
daemon=${1:?usage: systemd_test.sh HACLUSTERD HACLUSTERCTL}
ctl=${2:?usage: systemd_test.sh HACLUSTERD HACLUSTERCTL}
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null || ! command -v python3 >/dev/null; then
  echo "skipped: needs root, unshare and python3"
  exit 77
fi
if [ -z "${HACLUSTER_SYSTEMD_TEST_INNER:-}" ]; then
  exec unshare --mount --propagation private env HACLUSTER_SYSTEMD_TEST_INNER=1 "$0" "$@"
fi
mount -t tmpfs -o mode=0755 hacluster-systemd-test /run || { echo "skipped: cannot mount a tmpfs on /run"; exit 77; }
mkdir -p /run/systemd/journal

tmp=$(mktemp -d /tmp/hacluster-systemd-XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
check() {  # check "what" COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; passed=$((passed + 1)); return 0; fi
  echo "FAIL: $what"; failed=$((failed + 1))
  echo "---- notify"; cat "$tmp/notify.log" 2>/dev/null | tail -20
  echo "---- stderr"; tail -20 "$tmp/stderr.log" 2>/dev/null
  return 1
}
wait_for() {  # wait_for CONDITION SECONDS: polls every 50 ms
  local end=$(( $(date +%s%N) + $2 * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$end" ]; do eval "$1" && return 0; sleep 0.05; done
  return 1
}

# Both sockets, every datagram one JSON line: notify.log gets the text, journal.log
# the fields of the native journal protocol (KEY=value lines, or KEY, a 64-bit
# little-endian size and the data).
python3 - "$tmp/notify" /run/systemd/journal/socket "$tmp/notify.log" "$tmp/journal.log" <<'PY' &
import json, select, socket, struct, sys
notify_path, journal_path, notify_log, journal_log = sys.argv[1:5]
socks = {}
for path, log in ((notify_path, notify_log), (journal_path, journal_log)):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    socks[s] = open(log, "a", buffering=1)
def fields(data):
    out, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            out[k.decode()] = v.decode(errors="replace")
            i = nl + 1
        else:
            size = struct.unpack("<Q", data[nl + 1:nl + 9])[0]
            out[line.decode()] = data[nl + 9:nl + 9 + size].decode(errors="replace")
            i = nl + 9 + size + 1
    return out
while True:
    for s in select.select(list(socks), [], [], 60)[0]:
        data = s.recv(65536)
        log = socks[s]
        if log.name == notify_log:
            log.write(json.dumps(data.decode(errors="replace"), ensure_ascii=False) + "\n")
        else:
            log.write(json.dumps(fields(data)) + "\n")
PY
pids+=($!)
wait_for '[ -S "$tmp/notify" ] && [ -S /run/systemd/journal/socket ]' 5

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
{"cluster": "sd", "nodes": [{"name": "sd1", "addresses": ["127.0.0.1"]}],
 "heartbeat": {"port": $port}, "auth_key_file": "$tmp/authkey", "self_fence": "off",
 "groups": [{"name": "web", "nodes": ["sd1"],
             "resources": [{"name": "svc", "agent": "$tmp/agent.sh", "monitor_interval_ms": 500}]}]}
JSON
: > "$tmp/stderr.log"
journal_stream=$(stat -c '%d:%i' "$tmp/stderr.log")
NOTIFY_SOCKET="$tmp/notify" WATCHDOG_USEC=400000 JOURNAL_STREAM=$journal_stream \
  "$daemon" --config "$tmp/cluster.json" --node sd1 --socket "$tmp/ctl.sock" --state-dir "$tmp/state" \
  2>>"$tmp/stderr.log" &
pid=$!
pids+=("$pid")

notify_count() { grep -c "^\"$1" "$tmp/notify.log" 2>/dev/null; }
check "STATUS=probing resources comes first" wait_for '[ "$(head -1 "$tmp/notify.log" 2>/dev/null)" = "\"STATUS=probing resources before joining\"" ]' 5
check "READY=1 once the probe is done and quorum is decided" wait_for '[ "$(notify_count READY=1)" = 1 ]' 10
check "READY=1 carries the STATUS line with quorum" grep -q '^"READY=1\\nSTATUS=quorum won (1/1 votes)' "$tmp/notify.log"
check "STATUS= names the group once it runs here" \
  wait_for 'grep -q "^\"STATUS=quorum won (1/1 votes) · primary here: web · 1/1 groups running" "$tmp/notify.log"' 10
# The daemon's supervisor (its child, own session): killed by id on failure.
for child in $(pgrep -P "$pid"); do pids+=("$child"); done
check "WATCHDOG=1 every 200 ms (half of WATCHDOG_USEC)" wait_for '[ "$(notify_count WATCHDOG=1)" -ge 5 ]' 5

# A frozen daemon is not pinged for: systemd would kill and restart it.
kill -STOP "$pid"
sleep 0.3
before=$(notify_count WATCHDOG=1)
sleep 1.2
after=$(notify_count WATCHDOG=1)
kill -CONT "$pid"
check "no WATCHDOG=1 while the daemon is frozen ($before then $after)" [ "$before" = "$after" ]
check "WATCHDOG=1 again after SIGCONT" wait_for '[ "$(notify_count WATCHDOG=1)" -gt '"$after"' ]' 3

# The journal: priorities and fields, nothing on stderr.
journal_has() {  # journal_has PYTHON_CONDITION_ON_e
  python3 -c '
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if any(eval(sys.argv[2]) for e in entries) else 1)' "$tmp/journal.log" "$1"
}
check "journal: started web with PRIORITY=6 and HACLUSTER_GROUP, _NODE, _TERM" \
  wait_for 'journal_has "e.get(\"HACLUSTER_LOGGER\") == \"agent\" and e[\"MESSAGE\"].startswith(\"agent: started web\") and e.get(\"PRIORITY\") == \"6\" and e.get(\"HACLUSTER_GROUP\") == \"web\" and e.get(\"HACLUSTER_NODE\") == \"sd1\" and e.get(\"HACLUSTER_TERM\", \"\").isdigit()"' 5
check "journal: SYSLOG_IDENTIFIER=haclusterd on every entry" \
  journal_has 'all(x.get("SYSLOG_IDENTIFIER") == "haclusterd" for x in entries)'
echo '{"cluster": ' > "$tmp/broken.json"
cp "$tmp/cluster.json" "$tmp/cluster.good"
cp "$tmp/broken.json" "$tmp/cluster.json"
kill -HUP "$pid"
check "journal: a rejected reload is PRIORITY=3 (journalctl -p err) with HACLUSTER_ERROR" \
  wait_for 'journal_has "e.get(\"PRIORITY\") == \"3\" and \"reload rejected\" in e[\"MESSAGE\"] and \"HACLUSTER_ERROR\" in e"' 5
cp "$tmp/cluster.good" "$tmp/cluster.json"
check "nothing went to stderr: it is the journal" [ ! -s "$tmp/stderr.log" ]
check "haclusterctl status works beside it" eval '"$ctl" --socket "$tmp/ctl.sock" status | grep -q "web"'

kill -TERM "$pid"
check "STOPPING=1 on SIGTERM" wait_for '[ "$(notify_count STOPPING=1)" = 1 ]' 5
check "the daemon exits 0 after its graceful leave" wait_for '! kill -0 '"$pid"' 2>/dev/null' 10
wait "$pid"
check "exit status 0" [ $? -eq 0 ]

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
