#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-workloads.sh OUTDIR: the Debian 13 guest's own programs
# (vmtest/debian/workloads), for make check and make check-distro:
#   portown-goweb     a static Go web server (Debian's Go, CGO_ENABLED=0),
#                     which authbind cannot help;
#   portown-bindloop  a dynamically linked bind loop, which measures
#                     authbind's cost per bind against portown's.
# Installs Debian's golang-go first (vmtest/debian/distro-deps.txt).
. "$(dirname "$0")/../lib.sh"

wl=${1:?usage: build-workloads.sh OUTDIR}
"$TOP/vmtest/deps.sh" vmtest/debian/distro-deps.txt
rm -rf "$wl"
mkdir -p "$wl"
log "workloads: portown-goweb (Go, CGO_ENABLED=0) and portown-bindloop"
(cd "$TOP/vmtest/debian/workloads/goweb" &&
	CGO_ENABLED=0 GOCACHE=$B/go-cache GOFLAGS=-trimpath GOTOOLCHAIN=local \
	go build -o "$wl/portown-goweb" .) || die "go build of portown-goweb failed"
readelf -lW "$wl/portown-goweb" | grep -q 'INTERP' &&
	die "portown-goweb is not static: it would load LD_PRELOAD libraries"
gcc -std=c11 -Wall -Wextra -Werror -O2 -o "$wl/portown-bindloop" \
	"$TOP/vmtest/debian/workloads/bindloop.c" || die "portown-bindloop did not build"
readelf -lW "$wl/portown-bindloop" | grep -q 'INTERP' ||
	die "portown-bindloop is static: authbind could not intercept its bind()"
exit 0
