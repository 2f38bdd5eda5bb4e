#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install every Debian package the project needs: the lists live beside the
# code that needs them (vmtest/debian-deps.txt, tools/portown/debian-deps.txt,
# vmtest/debian/debian-deps.txt, vmtest/debian/distro-deps.txt). With
# arguments, the lists named instead (paths from the top of the repository).
. "$(dirname "$0")/lib.sh"

lists=()
[ $# -gt 0 ] || set -- vmtest/debian-deps.txt tools/portown/debian-deps.txt \
	vmtest/debian/debian-deps.txt vmtest/debian/distro-deps.txt
for f in "$@"; do
	[ -f "$TOP/$f" ] || die "no package list $f"
	lists+=("$TOP/$f")
done
pkgs=$(sed 's/#.*//' "${lists[@]}" | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=$(for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || echo "$p"
	done)
if [ -z "$missing" ]; then
	log "all Debian packages present"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "need root to install: $missing"
log "installing:" $missing
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
