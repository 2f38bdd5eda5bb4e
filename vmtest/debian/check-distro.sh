#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make check-distro: the Debian 13 guest on a kernel built the way Debian
# builds its kernel (vmtest/mkdeb-kernel.sh qemu), both packages installed with
# dpkg, booted from the installed /boot/vmlinuz-* and /boot/initrd.img-*
# with no lsm= on the command line: Debian's LSM stack with portown in it,
# AppArmor enforcing its profiles, the nginx scenario, the kselftests; then
# a boot with portown left out of lsm=. Results in
# $RESULTS/debian-distro.tap; the last line is the totals.
. "$(dirname "$0")/../lib.sh"

# The packages: portown-tools, and the kernel in its QEMU variant (Debian
# 13's cloud-amd64 configuration trimmed to the guest's modules,
# 6.12.N-portown-qemu). make deb builds the untrimmed one for real machines.
tools=$("$TOP/vmtest/mkdeb-tools.sh" | tail -n 1)
kernel=$(heavy "$TOP/vmtest/mkdeb-kernel.sh" qemu | tail -n 1)
[ -f "$tools" ] && [ -f "$kernel" ] || die "a package is missing"
out=$B/debian-distro
mkdir -p "$out" "$RESULTS"

# The kselftests, against the uapi headers of that kernel.
kobj=$B/kdeb/qemu/build
log "kselftests against the headers of $(basename "$kernel")"
make -s -C "$TREE" O="$kobj" headers >/dev/null
mkdir -p "$B/selftests-distro"
make -s -C "$TREE/tools/testing/selftests/portown" OUTPUT="$B/selftests-distro" \
	KHDR_INCLUDES="-isystem $kobj/usr/include" LDFLAGS=-static -j"$JOBS"
st=$B/selftests-distro-image
rm -rf "$st"
mkdir -p "$st"
for t in bind_test bindx_test stacking_test fs_test audit_test stress_test \
	bypass_test handover_test; do
	cp "$B/selftests-distro/$t" "$st/"
done

# The workloads' programs (vmtest/debian/workloads).
wl=$B/workloads-distro
"$TOP/vmtest/debian/build-workloads.sh" "$wl"

# Debian's LSM list, without portown, for the last boot.
lsm=$(sed -n 's/^CONFIG_LSM="\(.*\)"$/\1/p' "$kobj/.config" | sed 's/,portown//')

# The image: Debian 13 (trixie) with the scenario's packages, AppArmor and
# initramfs-tools, the kernel package installed by dpkg (its postinst
# writes the initramfs).
PORTOWN_EXTRA_PACKAGES="apparmor initramfs-tools $(sed 's/#.*//' "$TOP/vmtest/debian/packages-workloads.txt" | xargs)"
export PORTOWN_SUITE=trixie PORTOWN_DISTRO=1 PORTOWN_EXTRA_PACKAGES
export PORTOWN_KERNEL_DEBS=$kernel PORTOWN_SELFTESTS=$st PORTOWN_WORKLOADS=$wl PORTOWN_IMAGE_SIZE=3G
PORTOWN_LOCK_HELD=1 heavy "$TOP/vmtest/debian/mkimage.sh" "$out" >"$out/mkimage.log" 2>&1 ||
	{ tail -n 30 "$out/mkimage.log" >&2; die "the distro image did not build"; }
ver=$(dpkg-deb -f "$kernel" Package | sed 's/^linux-image-//')
for f in vmlinuz initrd.img; do
	debugfs -R "dump /boot/$f-$ver $out/$f" "$out/image.raw" 2>/dev/null
	[ -s "$out/$f" ] || die "no /boot/$f-$ver in the image: did the package install?"
done
log "booting /boot/vmlinuz-$ver with its initramfs, no lsm= (then lsm=$lsm)"

PORTOWN_LOCK_HELD=0 "$TOP/vmtest/debian/run-scenario.sh" --out "$out" \
	--kernel "$out/vmlinuz" --distro "$out/initrd.img" "$lsm" \
	--results "$RESULTS/debian-distro.tap.raw" --timeout 3000
python3 "$TOP/vmtest/results.py" tap debian-distro "$RESULTS/debian-distro.tap.raw"
# The totals above decide: any failure (an unexpected skip too) fails the run.
! grep -q '^not ok' "$RESULTS/debian-distro.tap" || die "make check-distro: some checks failed"
