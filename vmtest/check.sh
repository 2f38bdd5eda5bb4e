#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything `make check` runs, after the kernel is built: checkpatch, the
# host tests of portownctl, the VM boots of vmtest/boots/ (portown
# enforcing, allocation failures with kmemleak, permissive, two boot
# policies, absent), the differential grid of the first against the last,
# and the Debian guest scenarios (Debian 12 with nginx on the
# test kernel; Debian 13 with the workloads on the production-like one). A failing part does not stop the
# others; the totals decide the exit status.
. "$(dirname "$0")/lib.sh"
export RESULTS

R=$TOP/vmtest/results.py
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
t0=$(date +%s)

log "checkpatch --strict on $PATCH_FILE"
# From the tree (not a git work tree, so no SPDX lookups through git).
if (cd "$TREE" && perl scripts/checkpatch.pl --strict --terse --no-summary \
	"$PATCH_FILE") >"$RESULTS/checkpatch.out" 2>&1; then
	echo "ok - checkpatch.pl --strict is clean on the portown patch" >"$RESULTS/checkpatch.tap"
else
	echo "not ok - checkpatch.pl --strict: $(wc -l <"$RESULTS/checkpatch.out") findings" >"$RESULTS/checkpatch.tap"
	head -n 40 "$RESULTS/checkpatch.out" >&2
fi
# The patch applies to the pristine tree as it is (a dry run on a copy of
# the files it touches), and the kernel that was booted is built from it.
{
	stage=$(mktemp -d "$B/patchcheck.XXXXXX")
	for f in $(sed -n 's|^+++ b/||p' "$PATCH_FILE" | sort -u); do
		[ -f "$PRISTINE/$f" ] || continue
		mkdir -p "$stage/$(dirname "$f")"
		cp -p "$PRISTINE/$f" "$stage/$f"
	done
	if patch -p1 -s -f --dry-run -d "$stage" <"$PATCH_FILE" >"$RESULTS/patch.out" 2>&1; then
		echo "ok - the portown patch applies to pristine linux-source-6.12"
	else
		echo "not ok - the portown patch does not apply to pristine linux-source-6.12"
		sed 's/^/# /' "$RESULTS/patch.out"
	fi
	rm -rf "$stage"
	stale=$(find "$TREE/security/portown" -newer "$KBUILD/vmlinux" -type f | head -n 3)
	if [ -f "$KBUILD/vmlinux" ] && [ -z "$stale" ] &&
	   grep -q '^CONFIG_SECURITY_PORTOWN=y' "$KBUILD/.config"; then
		echo "ok - the test kernel is built from the patched tree with CONFIG_SECURITY_PORTOWN=y"
	else
		echo "not ok - the test kernel is missing, not portown's or older than: ${stale:-its config}"
	fi
} >"$RESULTS/patch.tap"
# The two rst files build without a warning with the kernel's Sphinx
# configuration, and both LSM indexes list portown (seconds, no lock).
log "documentation: Sphinx on the patched tree's portown.rst files"
"$TOP/vmtest/doccheck.sh" >"$RESULTS/docs.tap" 2>"$RESULTS/docs.err" ||
	grep -q '^not ok' "$RESULTS/docs.tap" ||
	echo "not ok - doccheck.sh exited non-zero: $(head -n 1 "$RESULTS/docs.err")" >>"$RESULTS/docs.tap"

if [ -f "$TOP/tools/portown/Makefile" ]; then
	log "portownctl host tests (ASan/UBSan, libFuzzer)"
	make -C "$TOP/tools/portown" O="$B/portownctl" check >"$RESULTS/portownctl_host.out" 2>&1 ||
		echo "not ok - portownctl host tests exited non-zero" >>"$RESULTS/portownctl_host.out"
	python3 "$R" tap portownctl_host "$RESULTS/portownctl_host.out"
fi

# The VM boots, as vmtest/boots/ describes them (see its README), in the
# order of its CFLIST.
BOOTS=$TOP/vmtest/boots
declare -A boot_var
while read -r k v || [ -n "$k" ]; do
	case $k in ''|'#'*) continue ;; esac
	[[ $v != *'$'* ]] || die "vmtest/boots/vars: $k's value has a \$"
	boot_var[$k]=$v
done <"$BOOTS/vars"

# boot_arg WORD: WORD with each $NAME replaced by its value in vars.
boot_arg() {
	local w=$1 n
	while [[ $w =~ \$([A-Za-z_][A-Za-z0-9_]*) ]]; do
		n=${BASH_REMATCH[1]}
		[ -n "${boot_var[$n]+set}" ] || die "vmtest/boots: \$$n is not in vars"
		w=${w//"\$$n"/"${boot_var[$n]}"}
	done
	[[ $w != *'$'* ]] || die "vmtest/boots: a stray \$ in '$1'"
	printf '%s' "$w"
}

# read_boot NAME: NAME.boot's host side into boot_title, boot_timeout,
# boot_args, boot_cmdline and boot_flags; dies on a malformed file.
read_boot() {
	local name=$1 f=$BOOTS/$1.boot k v w words=()
	boot_title='' boot_timeout='' boot_cmdline='' boot_args=() boot_flags=()
	# The guest's init reads vmtest.mode=[a-z]*.
	[[ $name =~ ^[a-z]+$ ]] || die "vmtest/boots/CFLIST: '$name' is not a-z only"
	[ -f "$f" ] || die "vmtest/boots/CFLIST: no $f"
	while read -r k v || [ -n "$k" ]; do
		case $k in
		''|'#'*) ;;
		title) boot_title=$v ;;
		timeout) boot_timeout=$v ;;
		args)
			read -ra words <<<"$v"
			for w in "${words[@]}"; do
				boot_args+=("$(boot_arg "$w")")
			done
			;;
		cmdline) boot_cmdline=$v ;;
		results) read -ra boot_flags <<<"$v" ;;
		skip|guest) ;;	# results.py's and the guest's
		*) die "$f: unknown key '$k'" ;;
		esac
	done <"$f"
	if [ -z "$boot_title" ] || ! [[ $boot_timeout =~ ^[0-9]+$ ]]; then
		die "$f: needs a title and a timeout in seconds"
	fi
}

mapfile -t boots < <(grep -v -e '^#' -e '^[[:space:]]*$' "$BOOTS/CFLIST")
# Every description is read before the first boot: a mistake in the last
# must not cost the half hour of the others.
for name in "${boots[@]}"; do
	read_boot "$name"
done
n=0
for name in "${boots[@]}"; do
	n=$((n + 1))
	read_boot "$name"
	log "VM boot $n/${#boots[@]}: $boot_title"
	if [ -n "$boot_cmdline" ]; then
		if ! param=$("$B/portownctl/portownctl" cmdline "$TOP/$boot_cmdline" 2>"$RESULTS/cmdline.err"); then
			echo "not ok - portownctl cmdline $boot_cmdline: $(head -n 1 "$RESULTS/cmdline.err")" \
				>"$RESULTS/$name.tap"
			continue
		fi
		boot_args+=("$param")
	fi
	# A boot that times out is a failure results.py reports ("did not
	# finish"), not a reason to skip the boots and suites after it.
	heavy "$TOP/vmtest/run-vm.sh" "$name" "$boot_timeout" "vmtest.mode=$name" "${boot_args[@]}" ||
		log "boot $name: run-vm.sh exited non-zero; its results say why"
	python3 "$R" vm "$name" "${boot_flags[@]}"
done

# The runs that main.boot and nolsm.boot name.
log "differential grid: portown with an empty policy against the stock kernel"
python3 "$R" grid main:enforcing main:permissive nolsm:stock

# The production-like kernel (built by make check too): the benchmark,
# once, with tiny iteration counts; its numbers are make bench's business.
log "benchmark smoke test on the production-like kernel"
"$TOP/vmtest/bench.sh" --smoke >"$RESULTS/bench-smoke.out" 2>&1 ||
	echo "not ok - bench smoke: bench.sh exited non-zero" >>"$RESULTS/bench.tap"
tail -n 1 "$RESULTS/bench-smoke.out" >&2

if [ -x "$TOP/vmtest/debian/run-scenario.sh" ] && [ -z "${PORTOWN_SKIP_DEBIAN:-}" ]; then
	log "Debian guest: nginx as www-data under portown"
	"$TOP/vmtest/debian/run-scenario.sh" --results "$RESULTS/debian.tap" ||
		grep -q '^not ok' "$RESULTS/debian.tap" 2>/dev/null ||
		echo "not ok - debian scenario exited non-zero" >>"$RESULTS/debian.tap"
	python3 "$R" tap debian "$RESULTS/debian.tap"
	log "Debian 13 guest: rootless Podman, a user service, a static Go binary, strict"
	"$TOP/vmtest/debian/run-workloads.sh" --results "$RESULTS/debian13.tap" ||
		grep -q '^not ok' "$RESULTS/debian13.tap" 2>/dev/null ||
		echo "not ok - debian 13 scenario exited non-zero" >>"$RESULTS/debian13.tap"
	python3 "$R" tap debian13 "$RESULTS/debian13.tap"
fi

log "test time: $(( $(date +%s) - t0 )) s"
python3 "$R" summary
