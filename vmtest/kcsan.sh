#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make kcsan: boot the KCSAN kernel ($B/kbuild-kcsan, built by
# build-kernel.sh kcsan from vmtest/kernel-kcsan.config) with two CPUs on
# the test initramfs, and run portown's concurrent tests there: the policy
# replaced while binders run on every CPU, IPV6_ADDRFORM racing with bind,
# SCTP associations and bindx, rxrpc binds, SCTP connect() racing with a
# bind of the same socket (handover_test), then the fuzzer for
# PORTOWN_KCSAN_FUZZ_SECONDS (60). Fails on any KCSAN report that involves
# portown (vmtest/results.py, KCSAN_PORTOWN_FUNC and KCSAN_GLUE_FUNCS say
# what counts), on any other splat and on any test failure; lists the other
# KCSAN reports. Last line: "kcsan: N passed, N failed, N skipped".
#
# Not part of make check: the KCSAN kernel is a build of its own (11-13
# minutes cold), which would push make check past its budget.
#
# The initramfs is the test kernel's ($B/initramfs.cpio, make initramfs):
# both kernels are built from the same tree, and the tools in it depend on
# the kernel only through the uapi headers, which KCSAN does not change;
# this script checks that they are the same before booting.
. "$(dirname "$0")/lib.sh"
export RESULTS

KBUILD_KCSAN=$B/kbuild-kcsan
image=$KBUILD_KCSAN/arch/x86/boot/bzImage
initrd=$B/initramfs.cpio
secs=${PORTOWN_KCSAN_FUZZ_SECONDS:-60}
[ -f "$image" ] || die "no KCSAN kernel: run make kcsan (builds $KBUILD_KCSAN)"

if [ ! -f "$initrd" ] || [ ! -d "$B/selftests" ]; then
	log "no test initramfs yet: make initramfs (builds the test kernel too)"
	make -C "$TOP" --no-print-directory initramfs
elif [ "$TOP/vmtest/guest/init" -nt "$initrd" ]; then
	# The guest's init changed (e.g. its kcsan mode): repack, no build.
	"$TOP/vmtest/mkinitramfs.sh"
fi
# The guest tools were compiled against $KBUILD's uapi headers.
if ! diff -rq "$KBUILD/usr/include" "$KBUILD_KCSAN/usr/include" >/dev/null; then
	die "the uapi headers of $KBUILD_KCSAN and $KBUILD differ (built from different trees?): run make initramfs and make kcsan again"
fi
stale=$(find "$TOP/tools/testing/selftests/portown" -newer "$initrd" -type f | head -n 3 | tr "\n" " ")
[ -z "$stale" ] || log "note: newer than the initramfs, not in this boot (make initramfs): $stale"

log "KCSAN boot: portown's race and stress tests, then ${secs}s of fuzzing (2 CPUs)"
rm -f "$RESULTS/kcsan.tap"
# Generous: the main boot's tests take 8 minutes under KASAN and TCG.
PORTOWN_KERNEL_IMAGE=$image heavy "$TOP/vmtest/run-vm.sh" kcsan \
	$((secs + 2400)) vmtest.mode=kcsan vmtest.fuzz="$secs" kunit.enable=0 \
	lsm=portown,landlock ||
	log "the KCSAN boot did not finish (console log: $RESULTS/kcsan.console)"
python3 "$TOP/vmtest/results.py" vm kcsan --kcsan
! grep -q '^not ok' "$RESULTS/kcsan.tap"
