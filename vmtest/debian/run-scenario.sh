#!/bin/bash
# run-scenario.sh [--results FILE] [--out DIR] [--kernel BZIMAGE] [--timeout S] [--keep]
#                 [--workloads] [--demo] [--distro INITRD LSM]
#
# --demo: make demo's Debian 13 boot (portown_demo=1): one boot, nginx,
# then alice's rootless Podman on :80 and mallory's refusal; no reboot.
#
# --workloads: the Debian 13 guest's workloads (portown_workloads=1): alice's
# systemd --user service takes 443 at the end of the first boot and must
# come back after the reboot, then rootless Podman, a static Go binary
# beside authbind, a unit in Caddy's shape and strict with sshd run in the
# second boot. The image is mkimage.sh's, with its environment
# (PORTOWN_SUITE=trixie, PORTOWN_WORKLOADS, ...).
#
# --distro: make check-distro's variant, with --workloads: the kernel is
# Debian's build with portown (with its INITRD), booted with no lsm=
# (portown_distro=1 runs the AppArmor checks and the kselftests in the
# guest's second boot), then a third boot with lsm=LSM (portown left out) that must keep
# ip_unprivileged_port_start at 1024.
#
# Host side of the portown Debian scenario (issue 4): builds or reuses the
# cached image (mkimage.sh), boots the portown test kernel on a throw-away
# qcow2 overlay of it under QEMU/TCG, forwards two free loopback ports to the
# guest's 80 and 443, fetches the page through them when the guest asks
# (PORTOWN-EVENT: HOSTFETCHn), lets the guest reboot exactly once, and stops
# QEMU when the guest reports its last check (PORTOWN-EVENT: DONE).  The guest's TAP lines (PORTOWN-TAP:) and the host's
# own checks are renumbered into one TAP stream in the results file.  Exits
# non-zero on any failed test, kernel splat, unexpected reboot or timeout.
#
# Environment: PORTOWN_LOCK_HELD=1 when the caller already holds
# /tmp/portown-heavy.lock (otherwise this script takes it for the image
# build and the QEMU run); PORTOWN_BUILD, the build directory (build/) whose
# debian/ and test kernel are the defaults of --out and --kernel.  See README.md.
here=$(cd "$(dirname "$0")" && pwd)
# For $B and $KBUILD (PORTOWN_BUILD moves them) and qemu_machine.
. "$here/../lib.sh"
# lib.sh turns errexit on; this script checks each step itself and must
# reach finish() to write the results file whatever failed.
set +e
out=$B/debian
results=
kernel=$KBUILD/arch/x86/boot/bzImage
tmo=900
keep=0 distro=0 workloads=0 demo=0 initrd= nolsm=
while [ $# -gt 0 ]; do
    case $1 in
    --results) results=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --timeout) tmo=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --workloads) workloads=1; shift ;;
    --demo) demo=1; shift ;;
    --distro) distro=1 workloads=1; initrd=$2; nolsm=$3; shift 3 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "run-scenario: unknown argument $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -n "$results" ] || results=$out/debian.tap
mkdir -p "$(dirname "$results")"

say() { printf '%s\n' "$*"; }
T0=$(date +%s)

# Host-side TAP entries, in order, as "ok - name" / "not ok - name" / "# diag".
htap=()
host_ok() { htap+=("ok - $1"); }
host_fail() { htap+=("not ok - $1"); shift; local d; for d in "$@"; do htap+=("# $d"); done; }
finish() { # write the results file, print the summary, exit
    local status=$1 log=${console:-/dev/null}
    {
        # The guest's lines first, then the host's; renumbered into one stream.
        if [ -s "$log" ]; then
            tr -d '\r' <"$log" | grep -a -o 'PORTOWN-TAP: .*' | sed 's/^PORTOWN-TAP: //'
        fi
        printf '%s\n' "${htap[@]}"
    } | awk '
        /^ok [0-9]+ - / { sub(/^ok [0-9]+ - /, ""); printf "ok %d - %s\n", ++n, $0; next }
        /^not ok [0-9]+ - / { sub(/^not ok [0-9]+ - /, ""); printf "not ok %d - %s\n", ++n, $0; next }
        /^ok - / { sub(/^ok - /, ""); printf "ok %d - %s\n", ++n, $0; next }
        /^not ok - / { sub(/^not ok - /, ""); printf "not ok %d - %s\n", ++n, $0; next }
        /^#/ { print; next }
        END { printf "1..%d\n", n }' >"$results.tmp"
    # plan first
    { tail -n 1 "$results.tmp"; sed '$d' "$results.tmp"; } >"$results"
    rm -f "$results.tmp"
    local pass fail todo
    pass=$(grep -c '^ok ' "$results")
    # A TODO (known issue) is not a pass: counted as failed, as make check does.
    fail=$(grep -c '^not ok ' "$results")
    todo=$(grep '^not ok ' "$results" | grep -c '# TODO')
    say ""
    say "=== results ($results)"
    grep -E '^(not ok|#)' "$results" | head -n 60
    [ "$fail" -eq 0 ] || status=1
    [ "$pass" -gt 0 ] || status=1
    say "debian scenario: total $(( $(date +%s) - T0 ))s, QEMU ${qemu_secs:-0}s"
    [ "$todo" -eq 0 ] || say "($todo of the failures are known issues marked TODO)"
    say "debian: $pass passed, $fail failed"
    [ -n "${rundir:-}" ] && [ $keep = 0 ] && rm -rf "$rundir"
    exit "$status"
}

# ---------------------------------------------------------------- lock
if [ "${PORTOWN_LOCK_HELD:-0}" != 1 ]; then
    exec 9>/tmp/portown-heavy.lock
    say "waiting for /tmp/portown-heavy.lock ..."
    flock 9
    export PORTOWN_LOCK_HELD=1
fi

# ---------------------------------------------------------------- image
case ${PORTOWN_SUITE:-bookworm} in trixie) release=13 ;; *) release=12 ;; esac
t=$(date +%s)
if "$here/mkimage.sh" "$out" >"$out/mkimage.log" 2>&1; then
    host_ok "host: Debian $release image built or reused ($(( $(date +%s) - t ))s; $(tail -n 1 "$out/mkimage.log" | sed 's/^mkimage: //'))"
else
    host_fail "host: Debian $release image built" "$(tail -n 15 "$out/mkimage.log")"
    finish 1
fi
if [ -f "$kernel" ]; then host_ok "host: portown test kernel present ($kernel)"
else host_fail "host: portown test kernel present" "missing $kernel: run 'make kernel' first"; finish 1; fi

rundir=$(mktemp -d "$out/run.XXXXXX")
console=$rundir/console.log
# Both boots use this copy, even if the kernel is rebuilt meanwhile.
cp "$kernel" "$rundir/bzImage" && kernel=$rundir/bzImage
qemu-img create -q -f qcow2 -b "$out/image.raw" -F raw "$rundir/overlay.qcow2" ||
    { host_fail "host: qcow2 overlay"; finish 1; }

free_port() {
    local p
    if p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null); then
        echo "$p"; return
    fi
    while :; do
        p=$(( 20000 + RANDOM % 40000 ))
        ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
    done
}
p80=$(free_port); p443=$(free_port)
while [ "$p443" = "$p80" ]; do p443=$(free_port); done

# loglevel=5: warnings and worse (every splat) still reach the console;
# systemd prints only failures there.
# tsc=reliable: under TCG the TSC follows the host clock, while the jiffies
# watchdog loses ticks and would wrongly demote it, making guest time (and
# every sleep) run slow.
# kunit.enable=0: the KUnit suites ran in make check's main boot already;
# here they would only add seconds to both boots.
cmdline="root=/dev/vda rw console=ttyS0 lsm=portown,landlock panic=-1 audit=1 loglevel=5 systemd.show_status=error tsc=reliable kunit.enable=0 portown_scenario=1"
[ $workloads = 1 ] && cmdline+=" portown_workloads=1"
[ $demo = 1 ] && cmdline+=" portown_demo=1"
initrd_args=()
if [ $distro = 1 ]; then
    # Debian's kernel: its own CONFIG_LSM (portown included), its initramfs.
    cmdline="root=/dev/vda rw console=ttyS0 panic=-1 audit=1 loglevel=5 systemd.show_status=error tsc=reliable portown_scenario=1 portown_workloads=1 portown_distro=1"
    cp "$initrd" "$rundir/initrd.img"
    initrd_args=(-initrd "$rundir/initrd.img")
fi
# The machine of lib.sh (CPUs as two sockets, see QEMU_SMP there), always
# under TCG as the scenario's timeouts were measured: no KVM probe here.
qemu_machine tcg 1G
qemu+=(-nographic -no-user-config -serial stdio -monitor none -no-reboot
      -kernel "$kernel" "${initrd_args[@]}" -append "$cmdline"
      -drive "file=$rundir/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe"
      -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$p80-:80,hostfwd=tcp:127.0.0.1:$p443-:443"
      -device virtio-net-pci,netdev=n0
      -device virtio-rng-pci)
say "=== booting: ${qemu[*]}"
say "    forwarded: 127.0.0.1:$p80 -> guest:80, 127.0.0.1:$p443 -> guest:443"
say "    console: $console"

# ---------------------------------------------------------------- run
# The guest reboots exactly once: QEMU runs with -no-reboot, so the guest's
# `systemctl reboot` (or a panic, panic=-1) ends QEMU run 1; run 2 boots the
# same overlay.  (A reset inside one QEMU process was measured to add about
# 100 s of TCG time before the second kernel starts.)
qstart=$(date +%s)
timeline=()
fetched=""
timed_out=0 extra_boot=0 done_seen=0
host_fetch() { # N
    local n=$1 body
    if body=$(curl -sS --max-time 30 -A "portown-host-check-$n" "http://127.0.0.1:$p80/" 2>&1) &&
       grep -q portown-demo-page <<<"$body"; then
        host_ok "host: page fetched over http via 127.0.0.1:$p80 -> guest:80 (boot $n)"
    else host_fail "host: page fetched over http via 127.0.0.1:$p80 -> guest:80 (boot $n)" "$body"; fi
    if [ $workloads = 1 ] && [ "$n" = 2 ]; then
        # The workloads' scenario gave 443 to alice's systemd --user service (plain
        # http, python3) at the end of the first boot.
        if body=$(curl -sS --max-time 30 "http://127.0.0.1:$p443/" 2>&1) &&
           grep -q portown-user-service-page <<<"$body"; then
            host_ok "host: alice's user service fetched over http via 127.0.0.1:$p443 -> guest:443 (boot $n)"
        else host_fail "host: alice's user service fetched over http via 127.0.0.1:$p443 -> guest:443 (boot $n)" "$body"; fi
        return
    fi
    if body=$(curl -ksS --max-time 30 -A "portown-host-check-$n" "https://127.0.0.1:$p443/" 2>&1) &&
       grep -q portown-demo-page <<<"$body"; then
        host_ok "host: page fetched over https via 127.0.0.1:$p443 -> guest:443 (boot $n)"
    else host_fail "host: page fetched over https via 127.0.0.1:$p443 -> guest:443 (boot $n)" "$body"; fi
}
run_qemu() { # RUN: one QEMU process on the overlay, console in console.RUN.log
    local r=$1 log=$rundir/console.$1.log nev=0 now n evs
    timeline+=("$(printf '%4ds  QEMU run %d starts' $(( $(date +%s) - qstart )) "$r")")
    "${qemu[@]}" </dev/null >"$log" 2>"$rundir/qemu.$r.stderr" &
    qpid=$!
    while kill -0 "$qpid" 2>/dev/null; do
        sleep 1
        now=$(date +%s)
        if [ $(( now - qstart )) -ge "$tmo" ]; then timed_out=1; break; fi
        for n in 1 2; do
            case " $fetched " in *" $n "*) continue ;; esac
            if grep -aq "PORTOWN-EVENT: HOSTFETCH$n" "$log"; then
                fetched="$fetched $n"
                say "    [$(( now - qstart ))s] guest asks for the host fetch $n"
                host_fetch "$n"
            fi
        done
        # host-side timeline of the guest's progress
        mapfile -t evs < <(grep -a -o 'PORTOWN-EVENT: .*' "$log" | tr -d '\r' | sed 's/^PORTOWN-EVENT: //')
        while [ $nev -lt ${#evs[@]} ]; do
            timeline+=("$(printf '%4ds  %s' $(( now - qstart )) "${evs[$nev]}")"); nev=$((nev + 1))
        done
        # Every check has run: QEMU is stopped here rather than after the
        # guest's power-off (about 20 s more of TCG time for nothing the
        # scenario checks; the overlay is thrown away either way).
        if grep -aq -e 'PORTOWN-EVENT: DONE' -e 'PORTOWN-EVENT: NOLSM-DONE' "$log"; then
            done_seen=$now
            say "    [$(( now - qstart ))s] guest finished phase 2; stopping QEMU"
            sleep 1; break
        fi
    done
    kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
    timeline+=("$(printf '%4ds  QEMU run %d ended' $(( $(date +%s) - qstart )) "$r")")
    tr -d '\r' <"$log" >>"$console"
}
: >"$console"
run_qemu 1
if [ $timed_out = 0 ] && grep -aq 'PORTOWN-EVENT: REBOOT' "$console" &&
   grep -aq 'reboot: Restarting system' "$console"; then
    echo "===== QEMU run 2 (after the guest's reboot) =====" >>"$console"
    run_qemu 2
fi
if [ "$(grep -ac 'reboot: Restarting system' "$console")" -gt 1 ]; then extra_boot=1; fi
nolsm_done=0
if [ $distro = 1 ] && [ $timed_out = 0 ] && [ $done_seen != 0 ]; then
    # The same kernel, portown left out of lsm=.
    echo "===== QEMU run 3 (lsm=$nolsm) =====" >>"$console"
    i=$(( ${#qemu[@]} - 1 ))
    for j in "${!qemu[@]}"; do [ "${qemu[$j]}" = -append ] && i=$((j + 1)); done
    qemu[$i]="${cmdline/portown_distro=1/portown_nolsm=1} lsm=$nolsm"
    run_qemu 3
    grep -aq 'PORTOWN-EVENT: NOLSM-DONE' "$console" && nolsm_done=1
fi
qemu_secs=$(( $(date +%s) - qstart ))
cp "$console" "${results%.tap}.console.log" 2>/dev/null || true
# How long each guest check took (milliseconds), for tuning the scenario.
grep -a -o 'PORTOWN-TIME: .*' "$console" | sed 's/^PORTOWN-TIME: //' >"${results%.tap}.timing" 2>/dev/null || true

# ---------------------------------------------------------------- transcript
say ""
say "=== transcript (guest)"
grep -a -o 'PORTOWN-LOG: .*' "$console" | sed 's/^PORTOWN-LOG: //'
say ""
say "=== boot notes"
grep -a -E '(\[FAILED\]|Failed to start|Reached target.*Power-Off|reboot: )' "$console" | head -n 20
say ""
say "=== timeline (host wall clock since QEMU start)"
printf '%s\n' "${timeline[@]}"
say "guest restarts seen: $(grep -ac 'reboot: Restarting system' "$console"); QEMU ran ${qemu_secs}s"

# ---------------------------------------------------------------- host checks
if [ $timed_out = 1 ]; then
    # Every check that ran is in the results: a timeout is the machine's
    # speed (QEMU under TCG on a loaded host), not portown's verdict.
    host_fail "host: scenario finished within ${tmo}s" \
        "the machine was too slow: the guest had not finished after ${tmo}s of QEMU (a loaded host, TCG)." \
        "This is not a portown failure: the checks that ran are above; rerun when the machine is idle, or raise --timeout." \
        "last console lines:" "$(tail -n 15 "$console")"
else host_ok "host: scenario finished within ${tmo}s (QEMU ${qemu_secs}s)"; fi
restarts=$(grep -ac 'reboot: Restarting system' "$console")
fetches="1 2"
if [ $demo = 1 ]; then	# one boot
    fetches=1
    if [ "$restarts" = 0 ]; then host_ok "host: the guest did not reboot (make demo's single boot)"
    else host_fail "host: the guest did not reboot (make demo's single boot)" "saw $restarts restarts"; fi
    if [ $done_seen != 0 ]; then host_ok "host: guest finished the demo"
    else host_fail "host: guest finished the demo" "$(tail -n 15 "$console")"; fi
else
    if [ "$restarts" = 1 ] && [ $extra_boot = 0 ]; then host_ok "host: the guest rebooted exactly once"
    else host_fail "host: the guest rebooted exactly once" "saw $restarts restarts"; fi
    if grep -aq 'PORTOWN-EVENT: REBOOT' "$console"; then host_ok "host: guest finished phase 1 and rebooted"
    else host_fail "host: guest finished phase 1 and rebooted" "$(tail -n 15 "$console")"; fi
    if [ $done_seen != 0 ]; then host_ok "host: guest finished phase 2"
    else host_fail "host: guest finished phase 2"; fi
fi
if [ $distro = 1 ]; then
    if [ $nolsm_done = 1 ]; then host_ok "host: the boot with portown left out of lsm= ran its checks"
    else host_fail "host: the boot with portown left out of lsm= ran its checks"; fi
fi
for n in $fetches; do
    case " $fetched " in *" $n "*) ;; *) host_fail "host: page fetched through the forwarded port (boot $n)" "the guest never asked" ;; esac
done
splat_re='BUG:|WARNING:|KASAN|UBSAN|possible .*locking|INFO: rcu|hung_task|Kernel panic|Oops'
# (the SRSO mitigation notice is a boot message, not a splat)
if splats=$(grep -a -v -e 'PORTOWN-' -e 'Speculative Return Stack Overflow: WARNING: See' "$console" | grep -a -E "$splat_re"); then
    host_fail "host: no kernel splat in the console log" "$(head -n 20 <<<"$splats")"
else host_ok "host: no kernel splat in the console log"; fi
[ $keep = 1 ] && say "kept: $rundir"
finish 0
