#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build what runs inside the test VM: the kselftests (static, against the
# patched kernel's uapi headers) and portownctl.
. "$(dirname "$0")/lib.sh"

# The uapi headers of the kernel the tools go with (GUEST_KERNEL).
hdrs=$KBUILD/usr/include
[ "${GUEST_KERNEL:-kernel}" = kernel-prod ] && hdrs=$KBUILD_PROD/usr/include
mkdir -p "$B/selftests"
log "building the portown kselftests"
make -s -C "$TREE/tools/testing/selftests/portown" OUTPUT="$B/selftests" \
	KHDR_INCLUDES="-isystem $hdrs" LDFLAGS=-static -j"$JOBS"

if [ -f "$TOP/tools/portown/Makefile" ]; then
	log "building portownctl"
	make -s -C "$TOP/tools/portown" O="$B/portownctl" all
fi
