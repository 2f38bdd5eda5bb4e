#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the portown kernel with an example policy and show busybox httpd
# serving port 80 as uid 33 with no capability, then uid 1000 refused.
. "$(dirname "$0")/lib.sh"
export RESULTS

policy=tcp:80:uid:33,tcp:443:gid:33
echo "Booting the portown kernel in QEMU with portown.policy=$policy"
# Generous: a user may watch this on a busy machine (TCG).
heavy "$TOP/vmtest/run-vm.sh" demo 900 vmtest.mode=demo lsm=portown,landlock \
	portown.policy=$policy
sed -n '/^portown demo/,/^PORTOWN-DONE/p' "$RESULTS/demo.serial" | grep -v '^PORTOWN-DONE'
if grep -q '^DEMO-OK' "$RESULTS/demo.serial" &&
   ! python3 "$TOP/vmtest/results.py" vm demo | grep -q FAIL; then
	echo "demo: all shown behaviour as expected"
elif ! grep -q '^PORTOWN-DONE' "$RESULTS/demo.serial"; then
	echo "demo: the VM did not finish within 900 s: the machine was too slow (TCG on a loaded host), not a portown failure; console log: $RESULTS/demo.console"
	exit 1
else
	echo "demo: FAILED (console log: $RESULTS/demo.console)"
	exit 1
fi
