#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the portown-tools Debian package (portownctl, its man pages and
# portown.service) out of tree: copy tools/portown to $B/deb/, run
# "dpkg-buildpackage -us -uc -b" there and lintian on the result. Installs
# the build dependencies with apt-get when they are missing (needs root then).
# Prints the path of the .deb as its last line.
. "$(dirname "$0")/lib.sh"

src=$TOP/tools/portown
work=$B/deb
arch=$(dpkg --print-architecture)

have() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
apt_updated=
apt_install() {
	[ "$(id -u)" = 0 ] || die "need root to install: $*"
	export DEBIAN_FRONTEND=noninteractive
	[ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
	log "installing: $*"
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# the tools first, then what debian/control asks for
tools=()
for p in dpkg-dev build-essential lintian; do have "$p" || tools+=("$p"); done
[ ${#tools[@]} -eq 0 ] || apt_install "${tools[@]}"

ver=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
tree=$work/portown-tools-$ver
rm -rf "$work"
mkdir -p "$tree"
# the sources only: not a build directory of "make" (build/) left in the tree
tar -C "$src" --exclude=./build --exclude=./debian/build -cf - . | tar -C "$tree" -xf -
# the decision's cases, which the unit tests share with the kernel's KUnit
cp "$TOP/security/portown/decide_cases.h" "$tree/tests/"

if ! (cd "$tree" && dpkg-checkbuilddeps) >"$work/builddeps.log" 2>&1; then
	sed 's/^/    /' "$work/builddeps.log" >&2
	[ "$(id -u)" = 0 ] || die "missing build dependencies (see above); run as root to install them"
	export DEBIAN_FRONTEND=noninteractive
	[ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
	log "installing the build dependencies of $tree/debian/control"
	apt-get build-dep -y -qq --no-install-recommends "$tree" >/dev/null
fi

log "dpkg-buildpackage -us -uc -b in $tree"
start=$(date +%s.%N)
if ! (cd "$tree" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" >&2
	die "dpkg-buildpackage failed (log: $work/build.log)"
fi
end=$(date +%s.%N)
deb=$work/portown-tools_${ver}_$arch.deb
changes=$work/portown-tools_${ver}_$arch.changes
[ -f "$deb" ] && [ -f "$changes" ] || die "no $deb or $changes after the build"
log "built in $(printf '%.1f' "$(echo "$end - $start" | bc)") s: $deb ($(stat -c %s "$deb") bytes)"

# errors and warnings fail the build; pedantic and info tags are shown
log "lintian $changes"
if ! lintian --info --display-info --pedantic --fail-on error,warning "$changes" >"$work/lintian.log" 2>&1; then
	cat "$work/lintian.log" >&2
	die "lintian reports errors or warnings (log: $work/lintian.log)"
fi
if [ -s "$work/lintian.log" ]; then
	sed 's/^/    /' "$work/lintian.log" >&2
else
	log "lintian: no tags"
fi
echo "$deb"
