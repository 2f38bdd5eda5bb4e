# Allocation failures in policy writes (fault_test), with kmemleak on and
# its scan at the end.
title allocation failures in policy writes, kmemleak on
timeout 900
args kunit.enable=0 lsm=portown,landlock kmemleak=on
guest run_tap active_fault active_checks 1
guest run_tap fault_test /portown/selftests/fault_test
