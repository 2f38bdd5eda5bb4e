#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# portownctl lock test: run as root in the test VM, at the very end of the
# boot (after it, nothing can change portown until reboot).  Prints TAP.
# Env: PORTOWNCTL (default /usr/sbin/portownctl), TRYBIND (as portownctl-vm.sh).
set -u
P=${PORTOWNCTL:-/usr/sbin/portownctl}
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${TRYBIND:-}" ]; then
	for c in "$here/trybind" /usr/libexec/portown/tests/trybind "$(command -v trybind 2>/dev/null)"; do
		[ -n "$c" ] && [ -x "$c" ] && TRYBIND=$c && break
	done
fi
TRYBIND=${TRYBIND:-trybind}
t=$(mktemp -d /tmp/portownctl-lock.XXXXXX)
trap 'rm -rf "$t"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; sed 's/^/# /' "$t/out" "$t/err" 2>/dev/null | head -n 30; fi
}
run() { "$@" >"$t/out" 2>"$t/err"; rc=$?; }

shown() {
	echo "# \$ portownctl $* (exit $rc)"
	sed 's/^/#     /' "$t/out" "$t/err" 2>/dev/null | head -n 40
}
run "$P" status
check "status: active and not locked" sh -c "[ $rc -eq 0 ] && grep -qx 'locked: no' '$t/out'"
printf 'tcp 80 user www-data\n' >"$t/a.conf"
printf 'tcp 80 user alice\n' >"$t/b.conf"
run "$P" load "$t/a.conf"
check "load before lock" sh -c "[ $rc -eq 0 ] && [ \"\$('$P' show --numeric)\" = \"\$(printf 'reserved 1024\ntcp 80 uid 33')\" ]"
run "$P" lock
shown lock
check "lock: exit 0" sh -c "[ $rc -eq 0 ] && grep -q 'locked until reboot' '$t/out'"
run "$P" status
shown status
check "status shows locked" grep -qx 'locked: yes (until reboot)' "$t/out"
run "$P" status --json
check "status --json shows locked" grep -q '"locked":true' "$t/out"
run "$P" load "$t/b.conf"
shown load b.conf
check "load after lock fails (exit 4) with a clear message" sh -c "[ $rc -eq 4 ] && grep -q 'portown is locked until reboot' '$t/err' && grep -q 'policy in force is unchanged' '$t/err'"
check "the policy in force is unchanged" sh -c "[ \"\$('$P' show --numeric)\" = \"\$(printf 'reserved 1024\ntcp 80 uid 33')\" ]"
run "$P" load --dry-run "$t/b.conf"
check "load --dry-run still works when locked" sh -c "[ $rc -eq 0 ] && grep -q '^+ tcp 80 uid 1000' '$t/out'"
run "$P" enforce off
check "enforce off after lock fails (exit 4), still enforcing" sh -c "[ $rc -eq 4 ] && grep -q 'locked' '$t/err' && [ \"\$('$P' enforce)\" = on ]"
run "$P" lock
check "lock again: already locked, exit 0" sh -c "[ $rc -eq 0 ] && grep -q 'already locked' '$t/out'"
if [ -x "$TRYBIND" ]; then
	run "$TRYBIND" -u 1000 -g 1000 -G 1000,1002 tcp 80
	check "the locked policy is still enforced (alice tcp 80: EACCES)" grep -qx EACCES "$t/out"
	run "$TRYBIND" -u 33 -g 33 -G 33 tcp 80
	check "the locked policy still lets the owner bind (www-data tcp 80)" grep -qx ok "$t/out"
fi
run "$P" explain alice tcp 80
check "explain still works when locked" sh -c "[ $rc -eq 1 ] && grep -q 'refused (EACCES)' '$t/out'"

echo "1..$n"
[ $failed -eq 0 ]
