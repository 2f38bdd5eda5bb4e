#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Figures a user waits for: "portownctl check" of 65,535 rules that name a
# user against the same rules with a uid (names are looked up once each), and
# "listeners" against "ss -ltnuap" on this host's sockets, with
# BENCH_SOCKETS (100,000) more UDP sockets held by python3 processes.
# Env: PORTOWNCTL (the binary), RUNS (best of, default 3), BENCH_SOCKETS.
set -u
P=${PORTOWNCTL:?}
RUNS=${RUNS:-3}
t=$(mktemp -d /tmp/portown-bench.XXXXXX)
trap 'rm -rf "$t"' EXIT INT TERM

now() { date +%s.%N; }
# best CMD...: the best wall-clock time of RUNS runs, in seconds
best() {
	b=
	i=0
	while [ $i -lt "$RUNS" ]; do
		s=$(now)
		"$@" >/dev/null 2>&1
		e=$(now)
		b=$(echo "$s $e ${b:-}" | awk '{ d = $2 - $1; if ($3 == "" || d < $3) print d; else print $3 }')
		i=$((i + 1))
	done
	echo "$b"
}

awk 'BEGIN { for (i = 1; i <= 65535; i++) printf "tcp %d user root\n", i }' >"$t/names.conf"
awk 'BEGIN { for (i = 1; i <= 65535; i++) printf "tcp %d uid 0\n", i }' >"$t/ids.conf"
n=$(best "$P" check "$t/names.conf")
u=$(best "$P" check "$t/ids.conf")
printf '%-40s %.3f s\n' 'check, 65535 rules, "user root":' "$n"
printf '%-40s %.3f s\n' 'check, 65535 rules, "uid 0":' "$u"
printf '%-40s %.1fx\n' 'ratio names/ids:' "$(echo "$n $u" | awk '{ print ($2 > 0) ? $1 / $2 : 0 }')"

# Many bound sockets: BENCH_SOCKETS UDP sockets on 127.1.K.1, ports 40000
# and up, held by python3 processes of at most (RLIMIT_NOFILE hard - 100)
# each. What could not be bound is said, not hidden.
holders=
want=${BENCH_SOCKETS:-100000}
if command -v python3 >/dev/null 2>&1 && [ "$want" -gt 0 ]; then
	per=$(( $(ulimit -Hn) - 100 ))
	[ "$per" -gt 20000 ] && per=20000
	k=0
	left=$want
	while [ "$left" -gt 0 ]; do
		c=$left
		[ "$c" -gt "$per" ] && c=$per
		python3 -c 'import resource, socket, sys, time
n, k = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.1.%d.1" % k, 40000 + i))
    except OSError:
        s.close()
        continue
    socks.append(s)
open(sys.argv[3], "w").write("%d\n" % len(socks))
time.sleep(600)' "$c" "$k" "$t/held.$k" 2>"$t/holder.$k.err" &
		holders="$holders $!"
		k=$((k + 1))
		left=$((left - c))
	done
	i=0
	while [ $i -lt 600 ]; do
		done_=0
		for j in $(seq 0 $((k - 1))); do [ -s "$t/held.$j" ] && done_=$((done_ + 1)); done
		[ $done_ -eq $k ] && break
		sleep 0.1
		i=$((i + 1))
	done
	held=$(cat "$t"/held.* 2>/dev/null | awk '{ n += $1 } END { print n + 0 }')
	[ "$held" -lt "$want" ] &&
		echo "bench: $held of $want sockets bound (see ulimit -Hn, ports 40000-$((40000 + per - 1)) of 127.1.0-$((k - 1)).1)" >&2
fi
trap '[ -n "$holders" ] && kill $holders 2>/dev/null; rm -rf "$t"' EXIT INT TERM

# listeners needs a policy to judge by: a fake securityfs with an empty one
mkdir -p "$t/sec"
printf 'reserved 1024\n' >"$t/sec/policy"
printf '1\n' >"$t/sec/enforce"
printf '0\n' >"$t/sec/lock"
: >"$t/sec/stats"
socks=$(PORTOWN_SECURITYFS=$t/sec "$P" listeners -H 2>/dev/null | wc -l)
l=$(best env PORTOWN_SECURITYFS="$t/sec" "$P" listeners)
printf '%-40s %.3f s\n' "listeners, $socks sockets:" "$l"
if command -v ss >/dev/null 2>&1; then
	s=$(best ss -ltnuap)
	printf '%-40s %.3f s\n' 'ss -ltnuap, the same sockets:' "$s"
fi
