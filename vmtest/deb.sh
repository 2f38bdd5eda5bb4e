#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make deb: the portown-tools package and the kernel package for real
# machines (vmtest/mkdeb-kernel.sh user: Debian 13's cloud-amd64
# configuration, untrimmed; PORTOWN_DEB_FLAVOUR=amd64 for Debian's generic
# flavour); prints the path of each, the tools' first, as the last two lines.
. "$(dirname "$0")/lib.sh"

tools=$("$TOP/vmtest/mkdeb-tools.sh" | tail -n 1)
kernel=$(heavy "$TOP/vmtest/mkdeb-kernel.sh" user | tail -n 1)
[ -f "$tools" ] && [ -f "$kernel" ] || die "a package is missing"
log "portown-tools: $(stat -c %s "$tools") bytes; kernel: $(stat -c %s "$kernel") bytes"
echo "$tools"
echo "$kernel"
