#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The short demo, run inside the VM: a web server as www-data (uid 33) on
# port 80 with no capability, another user fetching its page, and uid 1000
# refused port 80 with the audit record. Prints DEMO-OK when all held.

ok=1
say() { printf '\n$ %s\n' "$*"; }
# as USER COMMAND: run a shell command as USER (initgroups, no capability).
as() { u=$1; shift; su -s /bin/sh "$u" -c "$*"; }
fail() { echo "DEMO FAILED: $*"; ok=0; }

echo "portown demo on $(uname -sr)"
say "cat /sys/kernel/security/lsm"
cat /sys/kernel/security/lsm; echo
say "cat /proc/sys/net/ipv4/ip_unprivileged_port_start"
cat /proc/sys/net/ipv4/ip_unprivileged_port_start
say "cat /sys/kernel/security/portown/policy   # loaded from portown.policy= at boot"
cat /sys/kernel/security/portown/policy

say "as www-data: httpd -f -p 80 -h /www &"
as www-data "exec httpd -f -p 80 -h /www" &
sleep 2
httpd_pid=$(pidof httpd)
if [ -n "$httpd_pid" ]; then
	say "grep -E 'Uid|Gid|CapEff|CapPrm' /proc/$httpd_pid/status"
	grep -E '^(Uid|Gid|CapPrm|CapEff)' /proc/$httpd_pid/status
	grep -q '^CapEff:.0000000000000000' /proc/$httpd_pid/status ||
		fail "httpd holds capabilities"
else
	fail "httpd as uid 33 could not start"
fi
say "netstat -ltn | grep ':80 '"
netstat -ltn | grep ':80 ' || fail "nothing listens on port 80"

if command -v portownctl >/dev/null; then
	say "portownctl status"
	portownctl status
	say "portownctl show"
	portownctl show
	say "portownctl explain alice tcp 80"
	portownctl explain alice tcp 80
	say "portownctl explain www-data tcp http"
	portownctl explain www-data tcp http
	say "portownctl listeners"
	portownctl listeners || fail "portownctl listeners found a squatter"
fi

say "as bob: wget -q -O - http://127.0.0.1/"
page=$(as bob "wget -q -O - http://127.0.0.1/")
echo "$page"
echo "$page" | grep -q 'served by www-data' || fail "bob could not fetch the page"

say "kill $httpd_pid   # the owner goes down; port 80 stays its own"
kill $httpd_pid
wait $httpd_pid 2>/dev/null
sleep 6		# let the audit rate limit refill, so the record shows
say "as alice: nc -l -p 80   # alice tries to squat 80"
out=$(as alice "nc -l -p 80" 2>&1)
rc=$?
echo "$out (exit $rc)"
echo "$out" | grep -q 'Permission denied' || fail "alice was not refused port 80"
say "dmesg | grep 'lsm=portown' | tail -n 1"
line=$(dmesg | grep 'lsm=portown op=bind' | tail -n 1)
echo "$line"
echo "$line" | grep -q 'action=denied protocol=tcp port=80' || fail "no audit record"

say "as alice: nc -l -p 8080 &   # an unowned high port is free"
as alice "exec nc -l -p 8080" &
sleep 1
nc_pid=$(pidof nc)
if [ -n "$nc_pid" ]; then
	netstat -ltn | grep ':8080 '
	kill $nc_pid
else
	fail "alice could not bind 8080"
fi

say "cat /sys/kernel/security/portown/stats"
cat /sys/kernel/security/portown/stats
[ $ok = 1 ] && echo DEMO-OK
