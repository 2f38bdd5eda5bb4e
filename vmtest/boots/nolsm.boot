# The same kernel and boot policy with portown left out of lsm=: the
# sysctl untouched, every portown selftest skipping, and the grid's stock
# run that vmtest/check.sh compares main's runs with.
title portown not in lsm=
timeout 300
args kunit.enable=0 lsm=landlock portown.policy=$BOOT_POLICY
# Without portown active, the boot-policy checks have nothing to check.
skip boot_test_nolsm: .*
guest run_tap nolsm nolsm_checks
guest run_tap boot_test_nolsm /portown/selftests/boot_test
guest run_grid stock
