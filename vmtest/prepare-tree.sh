#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Unpack linux-source-6.12 once, keep a pristine copy, and bring the build
# tree to "pristine + portown patch". Only files whose content changed are
# rewritten, so kbuild rebuilds incrementally.
. "$(dirname "$0")/lib.sh"

[ -f "$SRC_TARBALL" ] || die "$SRC_TARBALL missing: run vmtest/deps.sh (package linux-source-6.12)"

if [ ! -f "$B/src/.unpacked" ]; then
	log "unpacking $SRC_TARBALL"
	rm -rf "$B/src"
	mkdir -p "$B/src"
	tar -C "$B/src" -xJf "$SRC_TARBALL"
	touch "$B/src/.unpacked"
fi
if [ ! -f "$TREE/.portown-tree" ]; then
	log "copying the pristine tree to $TREE"
	rm -rf "$TREE"
	cp -a "$PRISTINE" "$TREE"
	touch "$TREE/.portown-tree"
fi

patch_file=$("$TOP/vmtest/mkpatch.sh" | tail -n 1)

# Apply the patch to a fresh copy of just the files it touches, taken from
# the pristine tree, then sync the result into the build tree by content.
stage=$B/stage
rm -rf "$stage"
mkdir -p "$stage"
files=$(sed -n 's|^+++ b/||p' "$patch_file" | sort -u)
for f in $files; do
	if [ -f "$PRISTINE/$f" ]; then
		mkdir -p "$stage/$(dirname "$f")"
		cp -p "$PRISTINE/$f" "$stage/$f"
	fi
done
patch -p1 -s -f -d "$stage" <"$patch_file" ||
	die "the portown patch does not apply to pristine linux-source-6.12"
rsync -rc "$stage/" "$TREE/"

# Drop files an earlier patch added that this one no longer has.
manifest=$B/overlay-files
if [ -f "$manifest" ]; then
	comm -23 "$manifest" <(echo "$files") | while read -r f; do
		[ -f "$PRISTINE/$f" ] && cp -p "$PRISTINE/$f" "$TREE/$f" || rm -f "$TREE/$f"
	done
fi
echo "$files" >"$manifest"
log "tree ready: $TREE"
