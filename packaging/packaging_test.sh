#!/usr/bin/env bash
# ctest packaging.files: what `cmake --install` puts where (packaging/README.md),
# checked in a DESTDIR: the FHS layout, the unit (systemd-analyze verify), the man
# pages (man --warnings), the example config (haclusterd --check-config), the
# maintainer scripts (sh -n) and the bash completion (against a stand-in daemon
# on a real unix socket). Usage: packaging_test.sh BUILD_DIR SOURCE_DIR
set -u
build=${1:?usage: packaging_test.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: packaging_test.sh BUILD_DIR SOURCE_DIR}
tmp=$(mktemp -d /tmp/hacluster-pkgtest-XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
check() {  # check "what" COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; passed=$((passed + 1)); else echo "FAIL: $what"; failed=$((failed + 1)); fi
}
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }

prefix=$(cache_value CMAKE_INSTALL_PREFIX)
unit_dir=$(cache_value HACLUSTER_SYSTEMD_UNIT_DIR)
completions=$(cache_value HACLUSTER_COMPLETIONS_DIR)
case $prefix in /usr) etc=/etc ;; *) etc=$prefix/etc ;; esac
root="$tmp/root"
DESTDIR="$root" cmake --install "$build" >"$tmp/install.log" 2>&1
check "cmake --install into a DESTDIR" [ $? -eq 0 ]

for f in "$prefix/sbin/haclusterd" "$prefix/bin/haclusterctl" "$prefix/lib/hacluster/scripts/vip" \
         "$prefix/lib/hacluster/hooks/syslog" "$prefix/lib/hacluster/hooks/mail" "$prefix/lib/hacluster/hooks/webhook"; do
  check "$f is installed executable" [ -x "$root$f" ]
done
for f in "$unit_dir/haclusterd.service" "$prefix/lib/tmpfiles.d/hacluster.conf" "$prefix/lib/sysusers.d/hacluster.conf" \
         "$etc/hacluster/cluster.json.example" "$etc/default/hacluster" "$completions/haclusterctl" \
         "$prefix/share/man/man8/haclusterd.8.gz" "$prefix/share/man/man8/haclusterctl.8.gz" \
         "$prefix/share/man/man5/hacluster.json.5.gz" "$prefix/share/doc/hacluster/copyright" \
         "$prefix/share/doc/hacluster/changelog.gz"; do
  check "$f is installed" [ -f "$root$f" ]
done
check "no cluster.json is installed: the unit starts nothing by itself" [ ! -e "$root$etc/hacluster/cluster.json" ]
unit="$root$unit_dir/haclusterd.service"
check "the unit runs the installed daemon" grep -q "^ExecStart=$prefix/sbin/haclusterd --config $etc/hacluster/cluster.json" "$unit"
check "the unit starts only with a config" grep -q "^ConditionFileNotEmpty=$etc/hacluster/cluster.json$" "$unit"
check "the unit keeps KillMode=process (README: the supervisor outlives the daemon)" grep -q '^KillMode=process$' "$unit"
check "the unit does not restart after usage or config errors" grep -q '^RestartPreventExitStatus=2 3$' "$unit"

# systemd-analyze verify works without a running systemd; it checks ExecStart's
# binary exists, so the copy points at the DESTDIR's.
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$tmp/units"
  sed "s|^ExecStart=$prefix/sbin/haclusterd|ExecStart=$root$prefix/sbin/haclusterd|" "$unit" > "$tmp/units/haclusterd.service"
  SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$tmp/units/haclusterd.service" >"$tmp/verify.out" 2>&1
  rc=$?
  # Units of the host this runs on may be reported too; only ours counts.
  if grep -q "haclusterd.service" "$tmp/verify.out" || [ $rc -ne 0 ]; then cat "$tmp/verify.out"; fi
  check "systemd-analyze verify finds nothing in the unit" eval '[ $rc -eq 0 ] && ! grep -q haclusterd.service "$tmp/verify.out"'
else
  echo "skipped: systemd-analyze verify (no systemd-analyze)"
fi

# Man pages render without a groff warning (what lintian's manpage check runs).
for page in "$root$prefix"/share/man/man*/*.gz; do
  out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
  check "$(basename "$page") renders without warnings${out:+: $out}" [ -z "$out" ]
  check "$(basename "$page") has no unreplaced @VARIABLE@" eval '! zcat "$page" | grep -q "@[A-Z_]*@"'
done

# Valid once installed: its hook path is the prefix's (here inside the DESTDIR).
sed "s|\"$prefix/lib/hacluster/|\"$root$prefix/lib/hacluster/|g" "$root$etc/hacluster/cluster.json.example" \
  > "$tmp/example.json"
check "the example config names the installed syslog hook" \
  grep -q "\"path\": \"$prefix/lib/hacluster/hooks/syslog\"" "$root$etc/hacluster/cluster.json.example"
check "the example config is valid (haclusterd --check-config)" \
  "$build/bin/haclusterd" --check-config --config "$tmp/example.json"
for script in postinst prerm postrm; do
  check "deb/$script is valid sh" sh -n "$src/packaging/deb/$script"
done
check "both binaries print their version and exit 0" eval \
  '"$build/bin/haclusterd" --version | grep -q "^haclusterd [0-9]" && "$build/bin/haclusterctl" --version | grep -q "^haclusterctl [0-9]"'

# Bash completion: commands, options, and names from a stand-in daemon.
if [ -f /usr/share/bash-completion/bash_completion ]; then
  sock="$tmp/ctl.sock"
  python3 - "$sock" <<'PY' &
import json, os, socket, sys
path = sys.argv[1]
status = {"cluster": "c", "node": "n1", "term": 1, "coordinator": "n1",
          "quorum": {"state": "won", "votes": 2, "total": 3, "needed": 2},
          "nodes": [{"name": "alpha", "self": True, "state": "online", "links": []},
                    {"name": "beta", "self": False, "state": "online", "links": []}],
          "groups": [{"name": "web", "state": "running", "primary": "alpha", "term": 1,
                      "resources": [{"name": "web-ip", "agent": "vip", "state": "running"}]},
                     {"name": "db", "state": "stopped", "primary": None, "term": 0, "resources": []}],
          "health": {"state": "healthy", "reason": None, "checks": [{"name": "disk-root"}]},
          "last_failover": None}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(8)
for _ in range(40):
    c, _ = s.accept()
    f = c.makefile("rwb")
    line = f.readline()
    if line:
        f.write((json.dumps({"ok": True, "data": status}) + "\n").encode())
        f.flush()
    c.close()
PY
  server_pid=$!
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.05; done
  complete_words() {  # complete_words WORD...: what completing the last word offers
    PATH="$build/bin:$PATH" bash -c '
      source /usr/share/bash-completion/bash_completion
      source "$1"; shift
      COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
      COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
      _haclusterctl haclusterctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
      [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$root$completions/haclusterctl" "$@"
  }
  got=$(complete_words haclusterctl sw)
  check "completes commands (sw -> '$got')" [ "$got" = "switchover " ]
  got=$(complete_words haclusterctl --socket "$sock" switchover "")
  check "completes group names from the daemon ('$got')" [ "$got" = "db web " ]
  got=$(complete_words haclusterctl --socket "$sock" switchover web --to "")
  check "completes node names from the daemon ('$got')" [ "$got" = "alpha beta " ]
  got=$(complete_words haclusterctl --socket "$sock" standby b)
  check "completes a node name prefix ('$got')" [ "$got" = "beta " ]
  got=$(complete_words haclusterctl maintenance "")
  check "completes maintenance on|off ('$got')" [ "$got" = "off on " ]
  got=$(complete_words haclusterctl switchover web --t)
  check "completes a command's options ('$got')" [ "$got" = "--timeout --to --ttl " ]
  got=$(complete_words haclusterctl config "")
  check "completes config's commands ('$got')" [ "$got" = "check show " ]
  got=$(complete_words haclusterctl --socket "$tmp/none.sock" switchover "")
  check "offers nothing when the daemon is unreachable ('$got')" [ -z "$got" ]
else
  echo "skipped: bash completion (no /usr/share/bash-completion/bash_completion; apt-get install bash-completion)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
