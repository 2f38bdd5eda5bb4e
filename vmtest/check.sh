#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything `make check` runs, after the kernel is built: checkpatch, the
# host tests of portownctl, six VM boots (portown enforcing, allocation
# failures with kmemleak, permissive, two boot policies, absent), the differential grid of the first against
# the last, and the Debian guest scenarios (Debian 12 with nginx on the
# test kernel; Debian 13 with the workloads on the production-like one). A failing part does not stop the
# others; the totals decide the exit status.
. "$(dirname "$0")/lib.sh"
export RESULTS

BOOT_POLICY=tcp:80:uid:33,tcp:443:gid:33,udp:5353:uid:102,tcp:9000-9009:gid:1001
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

log "VM boot 1/6: portown enforcing, with Landlock, boot policy"
heavy "$TOP/vmtest/run-vm.sh" main 1200 vmtest.mode=main \
	lsm=portown,landlock portown.policy=$BOOT_POLICY
python3 "$R" vm main --kunit

# The other boots skip KUnit: its results are taken from the main boot.
log "VM boot 2/6: allocation failures in policy writes, kmemleak on"
heavy "$TOP/vmtest/run-vm.sh" fault 900 vmtest.mode=fault kunit.enable=0 \
	lsm=portown,landlock kmemleak=on
python3 "$R" vm fault

log "VM boot 3/6: portown.enforce=0"
heavy "$TOP/vmtest/run-vm.sh" permissive 300 vmtest.mode=permissive \
	kunit.enable=0 lsm=portown,landlock portown.enforce=0 \
	portown.policy=$BOOT_POLICY
python3 "$R" vm permissive

# Must match BOOT_SETTINGS and BOOT_INVALID in boot_test.c. Boot 4's
# parameter is what `portownctl cmdline` makes of a configuration file, as
# the admin guide tells an administrator to make it.
log "VM boot 4/6: portown.policy= from portownctl cmdline (reserved, strict)"
if boot_param=$("$B/portownctl/portownctl" cmdline "$TOP/vmtest/boot-settings.conf" 2>"$RESULTS/cmdline.err"); then
	heavy "$TOP/vmtest/run-vm.sh" bootsettings 300 vmtest.mode=bootsettings \
		kunit.enable=0 lsm=portown,landlock "$boot_param"
	python3 "$R" vm bootsettings
else
	echo "not ok - portownctl cmdline vmtest/boot-settings.conf: $(head -n 1 "$RESULTS/cmdline.err")" \
		>"$RESULTS/bootsettings.tap"
fi

log "VM boot 5/6: a portown.policy= that must be refused whole"
heavy "$TOP/vmtest/run-vm.sh" bootrefused 300 vmtest.mode=bootrefused \
	kunit.enable=0 lsm=portown,landlock \
	portown.policy=tcp:80:uid:33,tcp:99999:uid:1
python3 "$R" vm bootrefused

log "VM boot 6/6: portown not in lsm="
heavy "$TOP/vmtest/run-vm.sh" nolsm 300 vmtest.mode=nolsm \
	kunit.enable=0 lsm=landlock portown.policy=$BOOT_POLICY
python3 "$R" vm nolsm

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
