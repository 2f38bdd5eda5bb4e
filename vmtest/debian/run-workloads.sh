#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run-workloads.sh [--results FILE] [--kernel BZIMAGE] [--demo]
#
# make check's Debian 13 boot: the guest image built from trixie with
# mmdebstrap (Debian's podman, passt, netavark, systemd, python3, authbind),
# the workloads' programs (build-workloads.sh), booted on the
# production-like test kernel (build/kbuild-prod: make check builds it; no
# KASAN, whose cost under TCG would triple Podman's minutes) with the
# nginx scenario and the workloads: rootless Podman 5 on :80 (pasta, then
# rootlessport) and another user refused, alice's systemd --user service
# on 443 across a reboot, a static Go binary beside authbind, a unit in
# Caddy's shape, strict with sshd and a rootful container.
#
# --demo: make demo's short form: one boot, nginx, then rootless Podman on
# :80 as its owner and another user's refusal (portown_demo=1).
#
# The image is cached in build/debian-13 (mkimage.sh's stamps).
. "$(dirname "$0")/../lib.sh"

results=$RESULTS/debian13.tap
kernel=$KBUILD_PROD/arch/x86/boot/bzImage
args=(--workloads --timeout 2400)
while [ $# -gt 0 ]; do
	case $1 in
	--results) results=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--demo) args=(--demo --timeout 900); results=$B/demo/debian13.tap; shift ;;
	*) die "run-workloads: unknown argument $1" ;;
	esac
done

wl=$B/workloads
"$TOP/vmtest/debian/build-workloads.sh" "$wl"
PORTOWN_EXTRA_PACKAGES=$(sed 's/#.*//' "$TOP/vmtest/debian/packages-workloads.txt" | xargs)
export PORTOWN_SUITE=trixie PORTOWN_WORKLOADS=$wl PORTOWN_EXTRA_PACKAGES PORTOWN_IMAGE_SIZE=3G
exec "$TOP/vmtest/debian/run-scenario.sh" --out "$B/debian-13" --kernel "$kernel" \
	--results "$results" "${args[@]}"
