# Settings in portown.policy='s compact form, made by `portownctl cmdline`
# from vmtest/boot-settings.conf as the admin guide (Boot parameters) tells an administrator
# to make it: boot_test.c's BOOT_SETTINGS is that output.
title portown.policy= from portownctl cmdline (reserved, strict)
timeout 300
args kunit.enable=0 lsm=portown,landlock
cmdline vmtest/boot-settings.conf
guest run_tap active_bootsettings active_checks 1
guest run_tap boot_test_bootsettings /portown/selftests/boot_test
