#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build a Debian kernel package the way Debian builds its kernel, with
# portown: Debian's own configuration of 6.12 (linux-config-6.12, the
# cloud-amd64 flavour), SECURITY_PORTOWN on and portown added after
# Debian's CONFIG_LSM list (so that no lsm= is needed), modules trimmed with
# localmodconfig to those the Debian guest loads (vmtest/debian/
# distro-modules.txt), then "make bindeb-pkg". Fails when olddefconfig
# dropped portown or one of its dependencies. Prints the path of the
# linux-image .deb as its last line.
#
# Departures from Debian's build, each to fit 2 cores: no debug info (and
# so no BTF), and the modules trimmed. The module signing key is generated
# at build time instead of Debian's.
. "$(dirname "$0")/lib.sh"

flavour=${PORTOWN_DEB_FLAVOUR:-cloud-amd64}
config=/usr/src/linux-config-6.12/config.amd64_none_$flavour.xz
obj=$B/kdeb/build
mods=$TOP/vmtest/debian/distro-modules.txt

if [ ! -f "$config" ]; then
	[ "$(id -u)" = 0 ] || die "$config missing: apt-get install linux-config-6.12"
	log "installing linux-config-6.12 (Debian's kernel configurations)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		linux-config-6.12 >/dev/null
fi
for p in dpkg-dev debhelper kmod cpio rsync bc; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		die "$p missing: run make deps"
done

mkdir -p "$obj"
stamp=$obj/.portown-config-stamp
want=$( { xzcat "$config"; cat "$mods" "$TOP/vmtest/mkdeb-kernel.sh" \
	"$TREE/security/portown/Kconfig"; } | sha256sum | cut -d' ' -f1)
if [ ! -f "$obj/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	log "configuring: Debian's $flavour configuration, portown in CONFIG_LSM"
	xzcat "$config" >"$obj/.config"
	lsm=$(sed -n 's/^CONFIG_LSM="\(.*\)"$/\1/p' "$obj/.config")
	[ -n "$lsm" ] || die "no CONFIG_LSM in $config"
	cfg() { "$TREE/scripts/config" --file "$obj/.config" "$@"; }
	cfg --enable SECURITY_PORTOWN --disable SECURITY_PORTOWN_KUNIT_TEST \
		--set-str LSM "$lsm,portown" \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str MODULE_SIG_KEY "certs/signing_key.pem" \
		--set-str LOCALVERSION "-portown" --disable LOCALVERSION_AUTO \
		--disable DEBUG_INFO_BTF --disable DEBUG_INFO_BTF_MODULES \
		--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_DWARF4 \
		--disable DEBUG_INFO_DWARF5 --enable DEBUG_INFO_NONE
	# The modules the Debian guest loads, as lsmod prints them.
	{
		echo "Module                  Size  Used by"
		sed 's/#.*//' "$mods" | awk 'NF { printf "%s 16384 0\n", $1 }'
	} >"$obj/lsmod"
	make -s -C "$TREE" O="$obj" LSMOD="$obj/lsmod" localmodconfig >/dev/null 2>"$obj/localmodconfig.log" ||
		{ cat "$obj/localmodconfig.log" >&2; die "localmodconfig failed"; }
	make -s -C "$TREE" O="$obj" olddefconfig >/dev/null
	bad=0
	for want_line in CONFIG_SECURITY_PORTOWN=y CONFIG_SECURITY=y CONFIG_SECURITYFS=y \
			 CONFIG_SECURITY_NETWORK=y CONFIG_AUDIT=y CONFIG_INET=y \
			 CONFIG_SYSCTL=y CONFIG_SECURITY_APPARMOR=y "CONFIG_LSM=\"$lsm,portown\""; do
		grep -qxF "$want_line" "$obj/.config" ||
			{ echo "config: wanted $want_line, got '$(grep "^${want_line%%=*}=" "$obj/.config" || echo unset)'" >&2; bad=1; }
	done
	[ $bad = 0 ] || die "olddefconfig dropped portown or what it needs"
	echo "$want" >"$stamp"
fi

kjobs=${KJOBS:-$((JOBS + 1))}
log "make bindeb-pkg (O=$obj, -j$kjobs)"
start=$(date +%s)
rm -f "$B"/kdeb/linux-image-*.deb "$B"/kdeb/linux-headers-*.deb "$B"/kdeb/linux-libc-dev_*.deb
if ! make -s -C "$TREE" O="$obj" -j"$kjobs" bindeb-pkg KDEB_PKGVERSION="$(make -s -C "$TREE" kernelversion)-1portown" \
	>"$B/kdeb/build.log" 2>&1; then
	tail -n 40 "$B/kdeb/build.log" >&2
	die "make bindeb-pkg failed (log: $B/kdeb/build.log)"
fi
log "kernel packages built in $(( $(date +%s) - start )) s:"
ls -l "$B"/kdeb/*.deb >&2
deb=$(ls "$B"/kdeb/linux-image-*-portown_*.deb 2>/dev/null | grep -v dbg | head -n 1)
[ -n "$deb" ] || die "no linux-image package in $B/kdeb"
echo "$deb"
