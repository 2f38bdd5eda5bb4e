#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Write the portown patch against pristine linux-source-6.12: the commit
# message (glue/description.txt), the glue edits (glue/*.patch) and every
# file of the overlay as a new file.
# Prints the patch path as the last line of output.
. "$(dirname "$0")/lib.sh"

# The files portown adds to the kernel tree, as they sit in this repository.
overlay_files() {
	git -C "$TOP" ls-files --cached --others --exclude-standard -- \
		security/portown \
		tools/testing/selftests/portown \
		Documentation/admin-guide/LSM/portown.rst \
		Documentation/security/portown.rst | sort -u
}

mkdir -p "$B"
tmp=$(mktemp "$B/patch.XXXXXX")
trap 'rm -f "$tmp"' EXIT

cat "$TOP/glue/description.txt" "$TOP"/glue/*.patch >"$tmp"
while read -r f; do
	[ -f "$TOP/$f" ] || continue
	# diff exits 1 when the files differ, which they always do here.
	diff -uN --label /dev/null --label "b/$f" /dev/null "$TOP/$f" >>"$tmp" || true
done < <(overlay_files)

if ! cmp -s "$tmp" "$PATCH_FILE"; then
	mv "$tmp" "$PATCH_FILE"
fi
echo "$PATCH_FILE"
