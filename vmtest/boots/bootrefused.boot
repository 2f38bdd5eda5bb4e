# A portown.policy= whose item 2 is bad: refused whole, the empty policy
# in force. boot_test.c's BOOT_INVALID is this string exactly.
title a portown.policy= that must be refused whole
timeout 300
args kunit.enable=0 lsm=portown,landlock
args portown.policy=tcp:80:uid:33,tcp:99999:uid:1
guest run_tap active_bootrefused active_checks 1
guest run_tap boot_test_bootrefused /portown/selftests/boot_test
