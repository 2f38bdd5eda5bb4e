#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Write the test initramfs ($B/initramfs.cpio): busybox, the guest init
# and the boot descriptions it reads (vmtest/boots/*.boot), the
# kselftests, portownctl with its shared libraries and its VM tests.
# Built with the kernel's own usr/gen_init_cpio, so no root is needed.
. "$(dirname "$0")/lib.sh"

out=$B/initramfs.cpio
list=$B/initramfs.list
gen=$B/gen_init_cpio
[ -x "$gen" ] && [ "$gen" -nt "$TREE/usr/gen_init_cpio.c" ] ||
	cc -O2 -o "$gen" "$TREE/usr/gen_init_cpio.c"

declare -A seen
entry() { printf '%s\n' "$*" >>"$list"; }
dirs() {	# create every parent directory of $1 once
	local d=$1 parts=() p
	while d=$(dirname "$d"); [ "$d" != / ]; do parts=("$d" "${parts[@]}"); done
	for p in "${parts[@]}"; do
		[ -n "${seen[$p]:-}" ] && continue
		seen[$p]=1
		entry "dir $p 0755 0 0"
	done
}
add() {		# add GUEST_PATH HOST_FILE MODE
	dirs "$1"
	entry "file $1 $2 $3 0 0"
}
add_elf() {	# an executable and the shared libraries it needs
	local lib
	add "$1" "$2" 0755
	for lib in $(ldd "$2" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
		[ -n "${seen[$lib]:-}" ] && continue
		seen[$lib]=1
		add "$lib" "$(readlink -f "$lib")" 0755
	done
}

: >"$list"
for d in /dev /proc /sys /tmp /run /root /etc /bin /sbin /usr /usr/bin /usr/sbin /lib64; do
	seen[$d]=1
	entry "dir $d 0755 0 0"
done
entry "nod /dev/console 0600 0 0 c 5 1"
add /bin/busybox "$(command -v busybox)" 0755
entry "slink /bin/sh /bin/busybox 0777 0 0"
add /init "$TOP/vmtest/guest/init" 0755
add /portown/demo.sh "$TOP/vmtest/guest/demo.sh" 0755
# What the guest's init runs in each boot of make check.
for f in "$TOP"/vmtest/boots/*.boot; do
	add "/portown/boots/$(basename "$f")" "$f" 0644
done
add /etc/passwd "$TOP/vmtest/guest/passwd" 0644
add /etc/group "$TOP/vmtest/guest/group" 0644
add /etc/services /etc/services 0644
dirs /www/index.html
entry "file /www/index.html $TOP/vmtest/guest/index.html 0644 33 33"

for t in "$B"/selftests/*; do
	[ -x "$t" ] && [ -f "$t" ] && add "/portown/selftests/$(basename "$t")" "$t" 0755
done
if [ -x "$B/portownctl/portownctl" ]; then
	add_elf /usr/sbin/portownctl "$B/portownctl/portownctl"
	for t in "$TOP"/tools/portown/tests/vm/*.sh; do
		[ -f "$t" ] && add "/portown/vm/$(basename "$t")" "$t" 0755
	done
	for t in "$B"/portownctl/trybind "$B"/portownctl/tests/trybind; do
		[ -x "$t" ] && add /usr/bin/trybind "$t" 0755 && break
	done
fi

"$gen" "$list" >"$out.tmp"
mv "$out.tmp" "$out"
log "initramfs: $out ($(du -h "$out" | cut -f1))"
