# The boot policy under portown.enforce=0: loaded, not enforced.
title portown.enforce=0
timeout 300
args kunit.enable=0 lsm=portown,landlock portown.enforce=0
args portown.policy=$BOOT_POLICY
guest run_tap active_permissive active_checks 0
guest run_tap boot_test_permissive /portown/selftests/boot_test
