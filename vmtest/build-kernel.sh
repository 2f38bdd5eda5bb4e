#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure (tinyconfig + vmtest/kernel.config [+ vmtest/debian/kernel.config]
# [+ vmtest/kernel-smc.config with PORTOWN_SMC=1])
# and build the test kernel in $KBUILD. Reconfigures only when a fragment
# changed; fails when an option of a fragment did not survive olddefconfig.
. "$(dirname "$0")/lib.sh"

fragments=("$TOP/vmtest/kernel.config")
[ -f "$TOP/vmtest/debian/kernel.config" ] && fragments+=("$TOP/vmtest/debian/kernel.config")
# SMC costs minutes of a cold build; opt in with PORTOWN_SMC=1.
[ "${PORTOWN_SMC:-0}" = 1 ] && fragments+=("$TOP/vmtest/kernel-smc.config")

mkdir -p "$KBUILD"
stamp=$KBUILD/.portown-config-stamp
want=$(cat "${fragments[@]}" "$TREE/security/portown/Kconfig" | sha256sum | cut -d' ' -f1)
if [ ! -f "$KBUILD/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	log "configuring the test kernel"
	make -s -C "$TREE" O="$KBUILD" tinyconfig >/dev/null
	KCONFIG_CONFIG=$KBUILD/.config "$TREE/scripts/kconfig/merge_config.sh" \
		-m -O "$KBUILD" "$KBUILD/.config" "${fragments[@]}" >/dev/null
	make -s -C "$TREE" O="$KBUILD" olddefconfig >/dev/null
	# Every requested option must have survived.
	bad=0
	while IFS= read -r line; do
		case "$line" in
		"# CONFIG_"*" is not set")
			opt=${line#\# }; opt=${opt%% *}
			if grep -q "^$opt=" "$KBUILD/.config"; then
				echo "config: $opt is set, wanted off" >&2; bad=1
			fi ;;
		CONFIG_*=*)
			if ! grep -qxF "$line" "$KBUILD/.config"; then
				echo "config: wanted '$line', got '$(grep "^${line%%=*}=" "$KBUILD/.config" || echo unset)'" >&2
				bad=1
			fi ;;
		esac
	done < <(cat "${fragments[@]}")
	[ $bad = 0 ] || die "the test kernel config lost required options (missing dependencies?)"
	echo "$want" >"$stamp"
fi

# One job more than CPUs keeps both busy across kbuild's serial steps
# (archiving, descending into directories, linking).
kjobs=${KJOBS:-$((JOBS + 1))}
log "building the test kernel (O=$KBUILD, -j$kjobs)"
make -s -C "$TREE" O="$KBUILD" -j"$kjobs" bzImage headers
log "kernel: $KBUILD/arch/x86/boot/bzImage"
