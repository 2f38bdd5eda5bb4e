#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# portownctl integration test, run as root inside the test VM on a kernel with
# portown active and enforcing.  Prints TAP; exits non-zero on any failure.
# Never locks; restores an empty policy and enforcing mode before exiting.
#
# Env: PORTOWNCTL (default /usr/sbin/portownctl); NO_JQ=1 checks JSON with grep/awk even when jq exists
#      TRYBIND    (default: trybind next to this script, then
#                  /usr/libexec/portown/tests/trybind, then $PATH)
# Needs users root 0, www-data 33, bind 102, alice 1000, bob 1001 and group
# devs 1002 with member alice in /etc/passwd and /etc/group.
set -u
P=${PORTOWNCTL:-/usr/sbin/portownctl}
PS=${PORTOWN_PROCSYS:-/proc/sys}
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${TRYBIND:-}" ]; then
	for c in "$here/trybind" /usr/libexec/portown/tests/trybind "$(command -v trybind 2>/dev/null)"; do
		[ -n "$c" ] && [ -x "$c" ] && TRYBIND=$c && break
	done
fi
TRYBIND=${TRYBIND:-trybind}
t=$(mktemp -d /tmp/portownctl-vm.XXXXXX)
n=0 failed=0 holders=
orig_resv=$(cat $PS/net/ipv4/ip_local_reserved_ports 2>/dev/null)
UPS=$PS/net/ipv4/ip_unprivileged_port_start

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
diag() { sed 's/^/# /' "$@"; }
# check NAME CMD...: one TAP line from a command's status
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; diag "$t/out" "$t/err" 2>/dev/null | head -n 30; fi
}
run() { "$@" >"$t/out" 2>"$t/err"; rc=$?; }
# shown ARGS...: the last run's output as TAP comments, a transcript of what
# an administrator sees (the test log doubles as the command's documentation)
shown() {
	echo "# \$ portownctl $* (exit $rc)"
	sed 's/^/#     /' "$t/out" "$t/err" 2>/dev/null | head -n 40
}

cleanup() {
	for h in $holders; do kill "$h" 2>/dev/null; done
	"$P" enforce on >/dev/null 2>&1
	printf '' | "$P" load - >/dev/null 2>&1
	[ -n "$orig_resv" ] || orig_resv=""
	printf '%s\n' "$orig_resv" >$PS/net/ipv4/ip_local_reserved_ports 2>/dev/null
	echo 0 >"$UPS" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# credentials of a user as login(1) would set them: "-u UID -g GID -G G1,G2"
creds() {
	awk -F: -v u="$1" '
		FILENAME ~ /passwd$/ && $1 == u { uid = $3; gid = $4 }
		FILENAME ~ /group$/ {
			n = split($4, m, ",")
			for (i = 1; i <= n; i++) if (m[i] == u) sup = sup "," $3
		}
		END {
			if (uid == "") exit 1
			if (uid == 0) { print ""; exit 0 }	# root: keep all capabilities
			print "-u " uid " -g " gid " -G " gid sup
		}' /etc/passwd /etc/group
}

# trybind as USER: prints ok / EACCES / ...; status 0 bound, 1 refused, 2 setup
trybind_as() {
	user=$1
	shift
	c=$(creds "$user") || { echo "nouser"; return 2; }
	# shellcheck disable=SC2086
	exec "$TRYBIND" $c "$@"
}

# explain and a real bind must agree: agree USER PROTO PORT [SOCKPROTO] [-6]
agree() {
	user=$1 proto=$2 port=$3 sproto=${4:-$2} fam=${5:-}
	"$P" explain "$user" "$proto" "$port" >"$t/ex" 2>&1
	ex=$?
	got=$(trybind_as "$user" $fam "$sproto" "$port")
	tb=$?
	name="explain agrees with bind(): $user $sproto${fam:+ $fam} $port"
	if [ $tb -eq 2 ]; then
		skip "$name" "socket: $got"
		return
	fi
	want=ok
	[ $ex -eq 1 ] && want=EACCES
	if [ $ex -gt 1 ]; then
		nok "$name (explain exit $ex)"
		diag "$t/ex"
	elif [ "$got" = "$want" ]; then
		ok "$name ($got)"
	else
		nok "$name: explain says $want, bind() gave $got"
		diag "$t/ex"
	fi
}

# structural checks of show --json without jq (busybox grep/awk only)
json_balanced() {
	awk '{ o = gsub(/[{]/, "{"); c = gsub(/[}]/, "}"); s = gsub(/[[]/, "["); e = gsub(/[]]/, "]")
		exit !(o == c && s == e) }' "$1"
}
show_json_ok() {
	[ "$(wc -l <"$1")" -eq 1 ] &&
	grep -q '^{"version":1,"portownctl_version":"[^"]*","reserved":1024,"strict":false,"enforcing":true,"locked":false,"rules":\[.*\]}$' "$1" &&
	[ "$(grep -o '"protocol":' "$1" | wc -l)" -eq 8 ] &&
	grep -q '{"protocol":"tcp","first":80,"last":80,"subject":"uid","id":33,"name":"www-data","service":"http"}' "$1" &&
	grep -q '{"protocol":"tcp","first":8000,"last":8099,"subject":"gid","id":1002,"name":"devs","service":null}' "$1" &&
	json_balanced "$1"
}

echo "# portownctl: $P, trybind: $TRYBIND"

# --- sanity -----------------------------------------------------------------
run "$P" status
if [ $rc -ne 0 ]; then
	nok "status: portown is active"
	diag "$t/out" "$t/err"
	echo "1..$n"
	exit 1
fi
check "status: active and enforcing, ip_unprivileged_port_start 0" \
	sh -c "grep -qx 'portown: active' '$t/out' && grep -qx 'mode: enforcing' '$t/out' && grep -qx 'locked: no' '$t/out' && grep -qx 'ip_unprivileged_port_start: 0' '$t/out'"
check "trybind helper runs" sh -c "'$TRYBIND' tcp 0 >/dev/null"
[ -x "$TRYBIND" ] || { echo "Bail out! trybind not found (set TRYBIND)"; exit 1; }

# --- a squatter binds before the policy exists ------------------------------
printf '' | "$P" load - >/dev/null 2>&1
trybind_as alice -H tcp 7777 >"$t/squat" 2>&1 &
squatter=$!
holders="$holders $!"
trybind_as bob -H tcp 9001 >"$t/own" 2>&1 &
holders="$holders $!"
i=0
while { [ ! -s "$t/squat" ] || [ ! -s "$t/own" ]; } && [ $i -lt 10 ]; do sleep 1; i=$((i + 1)); done
check "alice binds tcp 7777 before the policy (future squatter)" grep -qx ok "$t/squat"

# --- load -------------------------------------------------------------------
cat >"$t/portown.conf" <<'X'
# portownctl VM test policy
reserved 1024
tcp http   user www-data
tcp https  group www-data
udp domain user bind
tcp 8000-8099 group devs
tcp 9000-9001 user bob
tcp 7777   user bob
udp 5353   user alice
sctp 9899  user alice
X
canon='reserved 1024
tcp 80 uid 33
tcp 443 gid 33
tcp 7777 uid 1001
tcp 8000-8099 gid 1002
tcp 9000-9001 uid 1001
udp 53 uid 102
udp 5353 uid 1000
sctp 9899 uid 1000'
run "$P" check "$t/portown.conf"
shown check portown.conf
check "check prints the canonical text" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$t/out')\" = '$canon' ]"
loads0=$("$P" status | awk '$1 == "policy_loads" { print $2 }')
run "$P" load --dry-run "$t/portown.conf"
check "load --dry-run changes nothing" sh -c "[ $rc -eq 0 ] && [ \"\$('$P' show --numeric)\" = 'reserved 1024' ]"
run "$P" load "$t/portown.conf"
shown load portown.conf
check "load: exit 0 and shows the added rules" sh -c "[ $rc -eq 0 ] && grep -q '^+ tcp 80 uid 33' '$t/out' && grep -q '8 added, 0 removed' '$t/out'"
run "$P" show --numeric
check "the kernel reads back exactly what check printed" sh -c "[ \"\$(cat '$t/out')\" = '$canon' ]"
check "status: policy_loads counted the load" \
	sh -c "[ \"\$('$P' status | awk '\$1 == \"policy_loads\" { print \$2 }')\" = $((loads0 + 1)) ]"
run "$P" status
shown status
check "status: rules 8, reserved 1024" sh -c "grep -qx 'rules: 8' '$t/out' && grep -qx 'reserved: 1024' '$t/out'"

# --- show -------------------------------------------------------------------
run "$P" show
shown show
check "show: names" sh -c "[ $rc -eq 0 ] && grep -q '^tcp 80 user www-data' '$t/out' && grep -q '^tcp 8000-8099 group devs' '$t/out' && grep -q '^udp 53 user bind' '$t/out'"
run "$P" show --json
shown show --json
if [ -z "${NO_JQ:-}" ] && command -v jq >/dev/null 2>&1; then
	check "show --json (jq)" sh -c "jq -e '.version == 1 and .reserved == 1024 and .strict == false and .enforcing == true and (.rules|length) == 8 and .rules[0].name == \"www-data\"' '$t/out' >/dev/null"
else
	check "show --json: one object, 8 rules, fields" show_json_ok "$t/out"
fi
run "$P" status --json
shown status --json
check "status --json" sh -c "grep -q '^{\"version\":1,\"portownctl_version\":\"[^\"]*\",\"active\":true,\"enforcing\":true,\"locked\":false,\"reserved\":1024,\"strict\":false,\"rules\":8,\"ip_unprivileged_port_start\":0,\"stats\":{\"checked\":[0-9]*,' '$t/out' && grep -q '\"policy_errors\":[0-9]*,\"rules\":8},\"lsm\":\[[^]]*\"portown\"[^]]*],\"why\":null}\$' '$t/out'"

# --- explain agrees with bind() ---------------------------------------------
for u in root www-data bind alice bob; do
	for pp in "tcp 80" "tcp 443" "tcp 22" "tcp 1023" "tcp 1024" "tcp 8050" "tcp 8100" "tcp 9000" \
		"udp 53" "udp 5353" "udp 80"; do
		# shellcheck disable=SC2086
		agree $u $pp
	done
done
# protocol classes and families
agree alice tcp 8050 mptcp
agree bob tcp 8050 mptcp
agree www-data tcp 80 mptcp
agree bind udp 53 udplite
agree alice udp 53 udplite
agree alice sctp 9899
agree bob sctp 9899
agree alice tcp 8050 tcp -6
agree bob tcp 8050 tcp -6
agree bind udp 53 udp -6
run "$P" explain alice tcp 8050
shown explain alice tcp 8050
run "$P" explain bob tcp 80
shown explain bob tcp 80
check "explain names the deciding rule" sh -c "'$P' explain alice tcp 8050 | grep -q 'matching rule: tcp 8000-8099 gid 1002 (group devs)'"
check "explain: refused exits 1" sh -c "'$P' explain bob tcp 80 >/dev/null; [ \$? -eq 1 ]"

# --- strict -----------------------------------------------------------------
{ cat "$t/portown.conf"; echo strict; } >"$t/strict.conf"
run "$P" load "$t/strict.conf"
check "load strict" sh -c "[ $rc -eq 0 ] && grep -q '^+ strict' '$t/out'"
agree root tcp 80
agree root tcp 22
agree root tcp 2000
agree www-data tcp 80

# --- permissive -------------------------------------------------------------
run "$P" load "$t/portown.conf"
run "$P" enforce off
check "enforce off" sh -c "[ $rc -eq 0 ] && [ \"\$('$P' enforce)\" = off ]"
agree alice tcp 9000
agree alice tcp 80
agree bob tcp 22
agree alice tcp 8050
run "$P" explain alice tcp 9000
shown explain alice tcp 9000
check "explain reports the permissive let-through" sh -c "'$P' explain alice tcp 9000 | grep -q 'allowed, logged (permissive mode)'"
run "$P" enforce on
check "enforce on" sh -c "[ $rc -eq 0 ] && [ \"\$('$P' enforce)\" = on ]"

# --- listeners --------------------------------------------------------------
# judged by the holding process: alice and bob keep only CAP_NET_BIND_SERVICE
# (like a unit's AmbientCapabilities=), the kernel lets them bind, so listeners
# must call them exempt, not squatters; alice's 7777 (no capability) stays one
trybind_as alice -c -w 600 tcp 612 >"$t/cap1" 2>&1 &
holders="$holders $!"
trybind_as bob -c -w 600 tcp 8050 >"$t/cap2" 2>&1 &
holders="$holders $!"
i=0
while { [ ! -s "$t/cap1" ] || [ ! -s "$t/cap2" ]; } && [ $i -lt 10 ]; do sleep 1; i=$((i + 1)); done
check "alice with CAP_NET_BIND_SERVICE binds the reserved tcp 612" grep -qx ok "$t/cap1"
check "bob with CAP_NET_BIND_SERVICE binds tcp 8050 (owned by devs)" grep -qx ok "$t/cap2"
run "$P" listeners
shown listeners
check "listeners: exit 1 with the squatter on tcp 7777" sh -c "[ $rc -eq 1 ] && grep -Eq '^tcp .* 7777 alice +$squatter/trybind +squatter ' '$t/out'"
check "listeners: alice's capability on tcp 612 is exempt" grep -Eq '^tcp .* 612 alice +[0-9]+/trybind +exempt +reserved port; CAP_NET_BIND_SERVICE' "$t/out"
check "listeners: bob's capability on devs' tcp 8050 is exempt" grep -Eq '^tcp .* 8050 bob +[0-9]+/trybind +exempt +owned by others; CAP_NET_BIND_SERVICE' "$t/out"
check "listeners: bob owns tcp 9001" grep -Eq '^tcp .* 9001 bob .* owner ' "$t/out"
check "listeners: the squatter is named on stderr" grep -q 'squatter' "$t/err"
run "$P" listeners --json
shown listeners --json
if [ -z "${NO_JQ:-}" ] && command -v jq >/dev/null 2>&1; then
	check "listeners --json (jq)" sh -c "jq -e '.version == 1 and .ip_unprivileged_port_start == 0 and .squatters >= 1 and .refused == 0 and ([.listeners[] | select(.port == 7777)][0] | .verdict == \"squatter\" and .uid == 1000 and .pid == $squatter and .comm == \"trybind\") and ([.listeners[] | select(.port == 612)][0] | .verdict == \"exempt\" and .uid == 1000)' '$t/out' >/dev/null"
else
	check "listeners --json marks the squatter" sh -c "[ $rc -eq 1 ] && grep -q '^{\"version\":1,\"portownctl_version\":\"[^\"]*\",\"ip_unprivileged_port_start\":0,\"listeners\":\[{.*}\],\"squatters\":[1-9][0-9]*,\"refused\":0}\$' '$t/out' && grep -Eq '\"protocol\":\"tcp\",\"family\":\"inet\",\"address\":\"0.0.0.0\",\"port\":7777,\"uid\":1000,\"user\":\"alice\",[^}]*\"verdict\":\"squatter\"' '$t/out' && grep -Eq '\"port\":9001,\"uid\":1001,[^}]*\"verdict\":\"owner\"' '$t/out' && grep -Eq '\"port\":612,\"uid\":1000,[^}]*\"pid\":[0-9]+,\"comm\":\"trybind\",\"verdict\":\"exempt\"' '$t/out'"
fi
kill "$squatter" 2>/dev/null
wait "$squatter" 2>/dev/null
run "$P" listeners
check "listeners: exit 0 once the squatter is gone, capability holders still bound" \
	sh -c "[ $rc -eq 0 ] && ! grep -q ' 7777 ' '$t/out' && grep -Eq ' 612 alice .* exempt ' '$t/out'"
for h in $holders; do kill "$h" 2>/dev/null; wait "$h" 2>/dev/null; done
holders=

# --- a root listener that strict would lock out ------------------------------
"$TRYBIND" -w 600 tcp 2222 >"$t/root2222" 2>&1 &
rootl=$!
holders="$holders $rootl"
i=0
while [ ! -s "$t/root2222" ] && [ $i -lt 10 ]; do sleep 1; i=$((i + 1)); done
{ cat "$t/portown.conf"; printf 'reserved 3000\nstrict\n'; } | sed '/^reserved 1024/d' >"$t/strict3000.conf"
run "$P" load --dry-run "$t/strict3000.conf"
shown load --dry-run strict3000.conf
check "load: strict with no rule for root's tcp 2222 warns (exit 0)" sh -c "[ $rc -eq 0 ] && grep -q \"^portownctl: warning: tcp 2222 is bound now by trybind (pid $rootl, uid 0), and no rule gives it that port: under 'strict' CAP_NET_BIND_SERVICE does not count\" '$t/err'"
run "$P" load --strict-warnings "$t/strict3000.conf"
check "load --strict-warnings: exit 5, the policy in force unchanged" sh -c "[ $rc -eq 5 ] && [ \"\$('$P' show --numeric)\" = '$canon' ] && grep -q 'nothing loaded' '$t/err'"
kill "$rootl" 2>/dev/null
wait "$rootl" 2>/dev/null

# --- ip_unprivileged_port_start written back ----------------------------------
# the stack's own check applies again below it, after portown allowed the
# bind: explain must say what bind() does
if [ -w "$UPS" ]; then
	echo 1024 >"$UPS"
	run "$P" load "$t/portown.conf"
	shown load portown.conf "(ip_unprivileged_port_start 1024)"
	check "load warns that ip_unprivileged_port_start is 1024 (exit 0)" sh -c "[ $rc -eq 0 ] && grep -q '^portownctl: warning: net.ipv4.ip_unprivileged_port_start is 1024, not 0: ' '$t/err'"
	run "$P" explain www-data tcp 80
	shown explain www-data tcp 80 "(ip_unprivileged_port_start 1024)"
	check "explain: the owner is refused by the stack, and told why" sh -c "[ $rc -eq 1 ] && grep -q 'refused (EACCES)' '$t/out' && grep -q 'portown allows it, but the stack refuses it: net.ipv4.ip_unprivileged_port_start is 1024' '$t/out'"
	agree www-data tcp 80
	agree www-data tcp 443
	agree root tcp 80
	agree alice tcp 8050
	agree bind udp 53
	agree bob tcp 1023
	echo 0 >"$UPS"
	agree www-data tcp 80
else
	skip "ip_unprivileged_port_start written back" "$UPS not writable"
fi

# --- exit status when the output fails ----------------------------------------
if [ -c /dev/full ]; then
	"$P" load "$t/portown.conf" >/dev/full 2>"$t/err"
	rc=$?
	check "load to a full stdout: exit 6, the policy is in force" sh -c "[ $rc -eq 6 ] && [ \"\$('$P' show --numeric)\" = '$canon' ] && grep -q 'the new policy is in force' '$t/err'"
else
	skip "load to a full stdout" "no /dev/full"
fi

# --- reload -----------------------------------------------------------------
{ sed '/^udp 5353/d' "$t/portown.conf"; echo 'tcp 5000 user alice'; } >"$t/v2.conf"
run "$P" load "$t/v2.conf"
shown load v2.conf
check "reload: shows added and removed rules" sh -c "[ $rc -eq 0 ] && grep -q '^+ tcp 5000 uid 1000' '$t/out' && grep -q '^- udp 5353 uid 1000' '$t/out' && grep -q '1 added, 1 removed' '$t/out'"
check "reload: the kernel has the new policy" sh -c "[ \"\$('$P' show --numeric)\" = \"\$('$P' check '$t/v2.conf')\" ]"
agree alice tcp 5000
agree bob tcp 5000
agree bob udp 5353
run "$P" load "$t/v2.conf"
check "reload of the same file: unchanged" grep -q '^policy unchanged' "$t/out"
before=$("$P" show --numeric)
printf 'tcp 80 user www-data\ntcp 0 user bob\nudp 53 user nosuchuser\n' >"$t/bad.conf"
run "$P" load "$t/bad.conf"
shown load bad.conf
check "a bad config: exit 3, every bad line, nothing loaded" sh -c "[ $rc -eq 3 ] && grep -q 'bad.conf:2:5: port 0' '$t/err' && grep -q \"bad.conf:3:13: unknown user 'nosuchuser'\" '$t/err' && [ \"\$('$P' show --numeric)\" = \"$before\" ]"

# --- autobind range -----------------------------------------------------------
range=$(cat $PS/net/ipv4/ip_local_port_range 2>/dev/null)
lo=$(echo "$range" | awk '{ print $1 }')
if [ -n "$lo" ]; then
	eph=$((lo + 7))
	{ cat "$t/v2.conf"; echo "tcp $eph user bob"; } >"$t/eph.conf"
	run "$P" load "$t/eph.conf"
	shown load eph.conf
	check "load warns about an owned port inside ip_local_port_range" grep -q "warning: 'tcp $eph uid 1001'.*ip_local_port_range" "$t/err"
	run "$P" load --reserve-ephemeral "$t/eph.conf"
	check "load --reserve-ephemeral reserves it" sh -c "[ $rc -eq 0 ] && awk -v p=$eph -F, '{ for (i = 1; i <= NF; i++) { n = split(\$i, r, \"-\"); if (p + 0 >= r[1] + 0 && p + 0 <= (n > 1 ? r[2] : r[1]) + 0) f = 1 } } END { exit !f }' $PS/net/ipv4/ip_local_reserved_ports"
	printf '%s\n' "$orig_resv" >$PS/net/ipv4/ip_local_reserved_ports 2>/dev/null
else
	skip "ephemeral range warning" "no ip_local_port_range"
fi

# --- restore ----------------------------------------------------------------
printf '' | "$P" load - >"$t/out" 2>"$t/err"
check "restore the empty policy" sh -c "[ \"\$('$P' show --numeric)\" = 'reserved 1024' ] && [ \"\$('$P' enforce)\" = on ]"

echo "1..$n"
[ $failed -eq 0 ]
