#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: what portown costs per bind, on the production-like kernel
# ($KBUILD_PROD), against the same kernel without portown in lsm= and
# against cgroup BPF bind programs. Writes $B/bench/ (serial logs,
# bench.csv, bench.png, table.txt); the last line of output is the summary.
#
#   bench.sh [--smoke]
#
# Configurations alternate boot by boot (portown absent, portown active),
# PORTOWN_BENCH_REPS (5) times, each boot under QEMU -icount shift=0 with
# one vCPU (guest time counts instructions); then one boot with two vCPUs
# under multi-threaded TCG for the two-binder scaling ratio. --smoke: one
# round, tiny iteration counts (make check), results in $RESULTS/bench.tap.
# Environment: PORTOWN_BENCH_REPS, PORTOWN_BENCH_ITERS (20000),
# PORTOWN_BENCH_SIZES (0,1,64,4096,65536), PORTOWN_BENCH_SECONDS (5).
. "$(dirname "$0")/lib.sh"

smoke=0
[ "${1:-}" = --smoke ] && smoke=1
reps=${PORTOWN_BENCH_REPS:-5}
iters=${PORTOWN_BENCH_ITERS:-20000}
sizes=${PORTOWN_BENCH_SIZES:-0,1,64,4096,65536}
secs=${PORTOWN_BENCH_SECONDS:-5}
if [ $smoke = 1 ]; then
	reps=1 iters=300 sizes=0,1,64,65536 secs=1
fi

out=$B/bench
[ $smoke = 1 ] && out=$B/bench-smoke
rm -rf "$out"
mkdir -p "$out"
image=$KBUILD_PROD/arch/x86/boot/bzImage
[ -f "$image" ] || die "no production-like kernel: run make kernel-prod"
t0=$(date +%s)

boot() {	# boot NAME TIMEOUT KERNEL_ARGS...
	local name=$1 tmo=$2
	shift 2
	RESULTS=$out PORTOWN_KERNEL_IMAGE=$image \
		heavy "$TOP/vmtest/run-vm.sh" "$name" "$tmo" "$@" ||
		log "bench boot $name did not finish"
}

for r in $(seq 1 "$reps"); do
	# Alternate which configuration goes first, round by round.
	order="absent portown"
	[ $((r % 2)) = 0 ] && order="portown absent"
	for c in $order; do
		log "bench round $r/$reps: portown $c (one vCPU, -icount)"
		lsm=landlock
		[ $c = portown ] && lsm=landlock,portown
		PORTOWN_VM_ICOUNT=1 boot "$c-$r" 3600 vmtest.mode=bench \
			vmtest.iters="$iters" vmtest.sizes="$sizes" \
			kunit.enable=0 lsm=$lsm
	done
done
log "bench: two binders on two vCPUs (multi-threaded TCG), without and with portown"
boot scale-absent 900 vmtest.mode=benchscale vmtest.secs="$secs" \
	kunit.enable=0 lsm=landlock
boot scale-portown 900 vmtest.mode=benchscale vmtest.secs="$secs" \
	kunit.enable=0 lsm=landlock,portown

log "bench: $(( $(date +%s) - t0 )) s of boots"
if [ $smoke = 1 ]; then
	python3 "$TOP/vmtest/bench.py" "$out" --tap "$RESULTS/bench.tap"
else
	python3 "$TOP/vmtest/bench.py" "$out"
fi
