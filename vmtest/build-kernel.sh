#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure (tinyconfig + vmtest/kernel.config [+ vmtest/debian/kernel.config]
# [+ vmtest/kernel-smc.config with PORTOWN_SMC=1]) and build the test kernel
# in $KBUILD; with "prod" as argument, + vmtest/kernel-prod.config (no
# debugging, BPF) + vmtest/debian/kernel-workloads.config (what the Debian
# 13 guest's Podman needs) in $KBUILD_PROD; with "kcsan", + vmtest/kernel-kcsan.config
# (KCSAN instead of KASAN, make kcsan) in $B/kbuild-kcsan. Reconfigures only
# when a fragment changed; fails when an option did not survive olddefconfig
# as the last fragment that names it wants it.
. "$(dirname "$0")/lib.sh"

fragments=("$TOP/vmtest/kernel.config")
[ -f "$TOP/vmtest/debian/kernel.config" ] && fragments+=("$TOP/vmtest/debian/kernel.config")
# SMC costs minutes of a cold build; opt in with PORTOWN_SMC=1.
[ "${PORTOWN_SMC:-0}" = 1 ] && fragments+=("$TOP/vmtest/kernel-smc.config")
case "${1:-}" in
"") ;;
prod)
	fragments+=("$TOP/vmtest/kernel-prod.config"
		"$TOP/vmtest/debian/kernel-workloads.config")
	KBUILD=$KBUILD_PROD ;;
kcsan)
	fragments+=("$TOP/vmtest/kernel-kcsan.config")
	KBUILD=$B/kbuild-kcsan ;;
*)
	die "unknown kernel flavour '$1' (none, prod or kcsan)" ;;
esac

mkdir -p "$KBUILD"
stamp=$KBUILD/.portown-config-stamp
want=$(cat "${fragments[@]}" "$TREE/security/portown/Kconfig" | sha256sum | cut -d' ' -f1)
if [ ! -f "$KBUILD/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	log "configuring the ${1:-test} kernel"
	make -s -C "$TREE" O="$KBUILD" tinyconfig >/dev/null
	KCONFIG_CONFIG=$KBUILD/.config "$TREE/scripts/kconfig/merge_config.sh" \
		-m -O "$KBUILD" "$KBUILD/.config" "${fragments[@]}" >/dev/null
	make -s -C "$TREE" O="$KBUILD" olddefconfig >/dev/null
	# Every requested option must have survived, as its last fragment
	# wants it.
	bad=0
	declare -A wanted=()
	while IFS= read -r line; do
		case "$line" in
		"# CONFIG_"*" is not set")
			opt=${line#\# }; opt=${opt%% *}; wanted[$opt]=off ;;
		CONFIG_*=*)
			wanted[${line%%=*}]=$line ;;
		esac
	done < <(cat "${fragments[@]}")
	for opt in "${!wanted[@]}"; do
		line=${wanted[$opt]}
		if [ "$line" = off ]; then
			if grep -q "^$opt=" "$KBUILD/.config"; then
				echo "config: $opt is set, wanted off" >&2; bad=1
			fi
		elif ! grep -qxF "$line" "$KBUILD/.config"; then
			echo "config: wanted '$line', got '$(grep "^$opt=" "$KBUILD/.config" || echo unset)'" >&2
			bad=1
		fi
	done
	[ $bad = 0 ] || die "the test kernel config lost required options (missing dependencies?)"
	echo "$want" >"$stamp"
fi

# One job more than CPUs keeps both busy across kbuild's serial steps
# (archiving, descending into directories, linking).
kjobs=${KJOBS:-$((JOBS + 1))}
log "building the ${1:-test} kernel (O=$KBUILD, -j$kjobs)"
make -s -C "$TREE" O="$KBUILD" -j"$kjobs" bzImage headers
log "kernel: $KBUILD/arch/x86/boot/bzImage"
