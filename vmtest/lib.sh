# SPDX-License-Identifier: GPL-2.0
# Common settings for the portown build and VM harness; sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${PORTOWN_BUILD:-$TOP/build}
SRC_TARBALL=${PORTOWN_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
PRISTINE=$B/src/linux-source-6.12	# unpacked tarball, never modified
TREE=$B/linux				# pristine + portown patch
KBUILD=$B/kbuild			# O= directory of the test kernel
KBUILD_PROD=$B/kbuild-prod		# ... of the production-like kernel
PATCH_FILE=$B/portown-6.12.patch
RESULTS=${RESULTS:-$B/results}
JOBS=${JOBS:-$(nproc)}
HEAVY_LOCK=/tmp/portown-heavy.lock

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a CPU-heavy command (kernel build, QEMU) holding the machine-wide lock,
# so that only one runs at a time on a 2-core machine.
heavy() { flock "$HEAVY_LOCK" "$@"; }

# The machine every guest of the harness boots on, the test initramfs's
# (run-vm.sh) and the Debian images' (debian/run-scenario.sh) alike.
# 4-level paging: with la57, a KASAN kernel under TCG can take an early
# interrupt during identify_cpu() and report a wild access in
# rcu_is_watching() before portown or any test has run.
QEMU_CPU=max,la57=off
# Two sockets of one CPU each: the portown kernels have no ACPI and find
# CPUs in SeaBIOS's MP table, which lists one CPU per socket; "-smp 2"
# alone (one socket, two cores) boots a uniprocessor guest.
QEMU_SMP=2,sockets=2,cores=1,threads=1

# qemu_machine ACCEL MEMORY: sets the array qemu to QEMU and the machine
# (accelerator, CPUs, memory, no default devices). The caller adds its
# display, consoles, disks, kernel and command line. ACCEL is
#   kvm;
#   tcg: one host thread per guest CPU;
#   icount: one vCPU under TCG with -icount shift=0,sleep=off, so that
#     guest time counts instructions (1 ns each) and timings do not drift
#     with host load (make bench).
# Which one a harness uses is its own choice: run-vm.sh probes KVM once,
# the Debian scenarios always use TCG.
qemu_machine() {
	local accel=$1 mem=$2 smp=$QEMU_SMP icount=()
	case $accel in
	tcg) accel=tcg,thread=multi ;;
	icount) accel=tcg,thread=single smp=1 icount=(-icount shift=0,sleep=off) ;;
	esac
	qemu=(qemu-system-x86_64 -accel "$accel" "${icount[@]}" -machine pc
	      -cpu "$QEMU_CPU" -smp "$smp" -m "$mem" -nodefaults)
}
