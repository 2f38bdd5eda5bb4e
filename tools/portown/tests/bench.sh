#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Figures a user waits for: "portownctl check" of 65,535 rules that name a
# user against the same rules with a uid (names are looked up once each), and
# "listeners" against "ss -ltnuap" on this host's sockets, with
# BENCH_SOCKETS (10000) more UDP sockets held by one python3 process.
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

# many bound sockets, held by one process (python3): BENCH_SOCKETS UDP sockets
holder=
if command -v python3 >/dev/null 2>&1 && [ "${BENCH_SOCKETS:-10000}" -gt 0 ]; then
	python3 -c 'import resource, socket, sys, time
n = int(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
open(sys.argv[2], "w").write("%d\n" % len(socks))
time.sleep(600)' "${BENCH_SOCKETS:-10000}" "$t/held" 2>/dev/null &
	holder=$!
	i=0
	while [ ! -s "$t/held" ] && [ $i -lt 300 ] && kill -0 $holder 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
fi
trap '[ -n "$holder" ] && kill $holder 2>/dev/null; rm -rf "$t"' EXIT INT TERM

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
