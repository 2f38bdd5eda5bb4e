#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: boot the test kernel and run portown_fuzz alone, for
# PORTOWN_FUZZ_SECONDS (default 600), then print what it tried and found.
. "$(dirname "$0")/lib.sh"
export RESULTS

secs=${PORTOWN_FUZZ_SECONDS:-600}
log "fuzzing for ${secs}s in the test VM (KASAN, lockdep; any splat fails)"
heavy "$TOP/vmtest/run-vm.sh" fuzz $((secs + 600)) vmtest.mode=fuzz \
	vmtest.fuzz="$secs" kunit.enable=0 lsm=portown,landlock
sed -n '/^PORTOWN-TAP-BEGIN fuzz/,/^PORTOWN-TAP-END fuzz/p' "$RESULTS/fuzz.serial" |
	grep -E '^(# |ok|not ok)' | grep -v '^# worker'
# Last line: "fuzz: N passed, N failed, N skipped" (boot, splats, fuzzer).
python3 "$TOP/vmtest/results.py" vm fuzz
! grep -q '^not ok' "$RESULTS/fuzz.tap"
