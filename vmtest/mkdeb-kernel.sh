#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mkdeb-kernel.sh [user|qemu]
#
# Build a Debian kernel package the way Debian builds its kernel, with
# portown: Debian 13's own configuration of 6.12 (linux-config-6.12 from
# trixie), SECURITY_PORTOWN on and portown appended to Debian's CONFIG_LSM
# (so that no lsm= is needed), then "make bindeb-pkg". Prints the path of
# the linux-image .deb as its last line.
#
#   user  (default) the package for real machines: the flavour
#         PORTOWN_DEB_FLAVOUR (default cloud-amd64; amd64 is Debian's
#         generic flavour for bare metal) untrimmed, every module Debian
#         builds. Release 6.12.N-portown-<flavour>, in build/kdeb/<flavour>/.
#         Fails when a driver of the machines Debian's cloud kernel boots
#         (virtio, NVMe, ENA, gVNIC, Hyper-V, Xen) is not as Debian has it.
#   qemu  the test boot's package (make check-distro): the cloud-amd64
#         configuration with its modules trimmed by localmodconfig to those
#         the QEMU guest loads (vmtest/debian/distro-modules.txt). Release
#         6.12.N-portown-qemu, a name that nobody installs by mistake: it
#         boots QEMU and nothing else. In build/kdeb/qemu/.
#
# Departures from Debian's build, to fit 2 cores: no debug info (and so no
# BTF; Debian ships it in a -dbg package), and a module signing key made at
# build time instead of Debian's. Every other option is Debian's, but for
# the few that olddefconfig adds or drops because Debian's configuration
# is of a slightly different 6.12 patch level than linux-source-6.12:
# listed in config-diff.txt beside the packages.
. "$(dirname "$0")/lib.sh"

variant=${1:-user}
case $variant in
user)
	flavour=${PORTOWN_DEB_FLAVOUR:-cloud-amd64}
	name=$flavour
	localversion=-portown-$flavour ;;
qemu)
	flavour=cloud-amd64
	name=qemu
	localversion=-portown-qemu ;;
*)
	die "unknown variant '$variant' (user or qemu)" ;;
esac
case $flavour in
cloud-amd64|amd64) ;;
*) die "PORTOWN_DEB_FLAVOUR=$flavour: cloud-amd64 or amd64" ;;
esac

out=$B/kdeb/$name
obj=$out/build
mods=$TOP/vmtest/debian/distro-modules.txt

# Debian 13's kernel configurations, from trixie, with apt state of our own
# (no change to this machine's sources or package lists).
configs=$B/apt-trixie/linux-config
fetch_configs() {
	local a=$B/apt-trixie opts deb
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/sources.d"
	cat >"$a/sources.d/trixie.sources" <<-EOF
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: trixie trixie-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb
	URIs: http://deb.debian.org/debian-security
	Suites: trixie-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	opts=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$a/sources.d"
	      -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache"
	      -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
	log "fetching linux-config-6.12 from trixie (Debian's kernel configurations)"
	apt-get -qq "${opts[@]}" update >/dev/null ||
		die "apt-get update of trixie failed (is deb.debian.org reachable?)"
	rm -rf "$a/dl" "$configs"
	mkdir -p "$a/dl"
	(cd "$a/dl" && apt-get -qq "${opts[@]}" download linux-config-6.12) >/dev/null ||
		die "could not download trixie's linux-config-6.12"
	deb=$(ls "$a"/dl/linux-config-6.12_*.deb)
	dpkg-deb -x "$deb" "$a/dl/x"
	mv "$a/dl/x/usr/src/linux-config-6.12" "$configs"
	dpkg-deb -f "$deb" Version >"$configs/VERSION"
}
config=$configs/config.amd64_none_$flavour.xz
[ -f "$config" ] || fetch_configs
[ -f "$config" ] || die "$config missing from trixie's linux-config-6.12"
for p in dpkg-dev debhelper kmod cpio rsync bc; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		die "$p missing: run make deps"
done

# The drivers of the machines Debian's cloud kernel boots: each must come
# out as Debian configures it (built in or a module).
PLATFORM="VIRTIO_PCI VIRTIO_BLK VIRTIO_NET SCSI_VIRTIO VIRTIO_CONSOLE
	BLK_DEV_NVME NVME_CORE ENA_ETHERNET GVE
	HYPERV HYPERV_STORAGE HYPERV_NET HYPERV_KEYBOARD HYPERV_BALLOON
	XEN XEN_PVHVM XEN_BLKDEV_FRONTEND XEN_NETDEV_FRONTEND
	EXT4_FS XFS_FS BTRFS_FS"

mkdir -p "$obj"
stamp=$obj/.portown-config-stamp
want=$( { xzcat "$config"; echo "$variant $flavour"; cat "$mods" "$TOP/vmtest/mkdeb-kernel.sh" \
	"$TREE/security/portown/Kconfig"; } | sha256sum | cut -d' ' -f1)
if [ ! -f "$obj/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	log "configuring: Debian 13's $flavour configuration ($(cat "$configs/VERSION")), portown in CONFIG_LSM ($variant)"
	xzcat "$config" >"$obj/.config"
	xzcat "$config" >"$out/config.debian"
	lsm=$(sed -n 's/^CONFIG_LSM="\(.*\)"$/\1/p' "$obj/.config")
	[ -n "$lsm" ] || die "no CONFIG_LSM in $config"
	cfg() { "$TREE/scripts/config" --file "$obj/.config" "$@"; }
	cfg --enable SECURITY_PORTOWN --disable SECURITY_PORTOWN_KUNIT_TEST \
		--set-str LSM "$lsm,portown" \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str MODULE_SIG_KEY "certs/signing_key.pem" \
		--set-str LOCALVERSION "$localversion" --disable LOCALVERSION_AUTO \
		--disable DEBUG_INFO_BTF --disable DEBUG_INFO_BTF_MODULES \
		--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_DWARF4 \
		--disable DEBUG_INFO_DWARF5 --enable DEBUG_INFO_NONE
	if [ "$variant" = qemu ]; then
		# The modules the QEMU guest loads, as lsmod prints them.
		{
			echo "Module                  Size  Used by"
			sed 's/#.*//' "$mods" | awk 'NF { printf "%s 16384 0\n", $1 }'
		} >"$obj/lsmod"
		make -s -C "$TREE" O="$obj" LSMOD="$obj/lsmod" localmodconfig >/dev/null 2>"$obj/localmodconfig.log" ||
			{ cat "$obj/localmodconfig.log" >&2; die "localmodconfig failed"; }
	fi
	make -s -C "$TREE" O="$obj" olddefconfig >/dev/null
	bad=0
	for want_line in CONFIG_SECURITY_PORTOWN=y CONFIG_SECURITY=y CONFIG_SECURITYFS=y \
			 CONFIG_SECURITY_NETWORK=y CONFIG_AUDIT=y CONFIG_INET=y \
			 CONFIG_SYSCTL=y CONFIG_SECURITY_APPARMOR=y "CONFIG_LSM=\"$lsm,portown\""; do
		grep -qxF "$want_line" "$obj/.config" ||
			{ echo "config: wanted $want_line, got '$(grep "^${want_line%%=*}=" "$obj/.config" || echo unset)'" >&2; bad=1; }
	done
	[ $bad = 0 ] || die "olddefconfig dropped portown or what it needs"
	# What differs from Debian's configuration, symbol by symbol.
	python3 - "$out/config.debian" "$obj/.config" >"$out/config-diff.txt" <<-'EOF'
	import re, sys
	def load(p):
	    d = {}
	    for line in open(p):
	        m = re.match(r"^(CONFIG_\w+)=(.*)$", line) or \
	            re.match(r"^# (CONFIG_\w+) is not set$", line)
	        if m:
	            d[m.group(1)] = m.group(2) if m.lastindex == 2 else "n"
	    return d
	deb, ours = load(sys.argv[1]), load(sys.argv[2])
	for k in sorted(set(deb) | set(ours)):
	    a, b = deb.get(k, "(absent)"), ours.get(k, "(absent)")
	    if a != b:
	        print(f"{k}: debian {a} portown {b}")
	EOF
	if [ "$variant" = user ]; then
		for sym in $PLATFORM; do
			d=$(grep -E "^CONFIG_$sym=|^# CONFIG_$sym is not set" "$out/config.debian" || echo "CONFIG_$sym absent")
			o=$(grep -E "^CONFIG_$sym=|^# CONFIG_$sym is not set" "$obj/.config" || echo "CONFIG_$sym absent")
			[ "$d" = "$o" ] || { echo "config: Debian has '$d', this build '$o'" >&2; bad=1; }
		done
		[ $bad = 0 ] || die "a platform driver is not configured as Debian has it"
	fi
	log "$(wc -l <"$out/config-diff.txt") options differ from Debian's ($out/config-diff.txt)"
	echo "$want" >"$stamp"
fi

kjobs=${KJOBS:-$((JOBS + 1))}
log "make bindeb-pkg ($variant: $flavour, O=$obj, -j$kjobs)"
start=$(date +%s)
rm -f "$out"/linux-image-*.deb "$out"/linux-headers-*.deb "$out"/linux-libc-dev_*.deb
if ! make -s -C "$TREE" O="$obj" -j"$kjobs" bindeb-pkg KDEB_PKGVERSION="$(make -s -C "$TREE" kernelversion)-1portown" \
	>"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	die "make bindeb-pkg failed (log: $out/build.log)"
fi
secs=$(( $(date +%s) - start ))
log "kernel packages ($variant, $flavour) built in $secs s ($((secs / 60)) min) with -j$kjobs:"
ls -l "$out"/*.deb >&2
deb=$(ls "$out"/linux-image-*"$localversion"_*.deb 2>/dev/null | grep -v dbg | head -n 1)
[ -n "$deb" ] || die "no linux-image package in $out"
echo "$deb"
