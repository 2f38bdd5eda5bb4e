#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test kernel on the test initramfs once.
#   run-vm.sh NAME TIMEOUT_SECONDS KERNEL_ARGS...
# The guest's init (vmtest/guest/init) reads vmtest.mode= from the command
# line, writes test results to its second serial port and powers off.
# Writes $RESULTS/NAME.console (kernel console) and $RESULTS/NAME.serial
# (results port). Exits non-zero when the boot does not finish in time.
# Environment: PORTOWN_KERNEL_IMAGE, another kernel to boot (make bench and
# make demo boot the production-like one); PORTOWN_VM_ICOUNT=1, one vCPU
# under TCG with -icount shift=0,sleep=off, so that guest time counts
# instructions (1 ns each) and timings do not drift with host load.
. "$(dirname "$0")/lib.sh"

name=$1 timeout=$2
shift 2
kernel=${PORTOWN_KERNEL_IMAGE:-$KBUILD/arch/x86/boot/bzImage}
initrd=$B/initramfs.cpio
mkdir -p "$RESULTS"
console=$RESULTS/$name.console
serial=$RESULTS/$name.serial

qemu_cmd() {	# qemu_cmd ACCEL CONSOLE SERIAL APPEND... -> $cmd
	local accel=$1 con=$2 ser=$3
	shift 3
	[ "${PORTOWN_VM_ICOUNT:-0}" = 1 ] && accel=icount
	qemu_machine "$accel" 1536
	cmd=("${qemu[@]}" -display none -no-reboot
	     -serial "file:$con" -serial "file:$ser"
	     -kernel "$kernel" -initrd "$initrd"
	     -append "console=ttyS0 panic=-1 $*")
}

# KVM only when a probe boot under it finishes; guests can hang in firmware.
accel_file=$B/accel
if [ ! -f "$accel_file" ]; then
	echo tcg >"$accel_file"
	if [ -w /dev/kvm ]; then
		log "probing KVM"
		qemu_cmd kvm "$B/probe.console" "$B/probe.serial" \
			vmtest.mode=probe lsm=landlock
		# The subshell keeps bash's "Aborted" job report off the log
		# when QEMU dies of a signal on a host whose KVM is unusable.
		if (timeout -k 5 30 "${cmd[@]}" >/dev/null 2>&1; exit $?) 2>/dev/null &&
		   grep -q PORTOWN-PROBE-OK "$B/probe.serial"; then
			echo kvm >"$accel_file"
		else
			log "KVM probe boot did not finish; using TCG"
		fi
	fi
	log "QEMU accelerator: $(cat "$accel_file")"
fi

rm -f "$console" "$serial"
start=$(date +%s.%N)
rc=0
qemu_cmd "$(cat "$accel_file")" "$console" "$serial" "$@"
timeout -k 5 "$timeout" "${cmd[@]}" </dev/null || rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
printf '==> boot %s: %.1f s (qemu exit %d)\n' "$name" "$secs" "$rc" >&2
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "boot $name timed out after ${timeout}s" >&2
	exit 1
fi
exit 0
