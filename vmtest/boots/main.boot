# The main boot: portown enforcing with Landlock stacked and the boot
# policy, every selftest, the grid's portown runs, the fuzzer, portownctl
# in the guest. The only boot that runs KUnit (the others boot with
# kunit.enable=0 and take its results from here).
title portown enforcing, with Landlock, boot policy
timeout 1200
args lsm=portown,landlock portown.policy=$BOOT_POLICY
results --kunit

# SMC needs the InfiniBand core: in the test kernel only with PORTOWN_SMC=1.
skip smc! bind_test: bind\.smc_ipv[46]\..*
# A TCP socket needs a new connection per round; addrform.tcp.then_bind covers it.
skip bypass_test: addrform\.tcp\.race_with_bind

guest run_tap active active_checks 1
guest run_tap boot_test /portown/selftests/boot_test
# A service holds tcp 80, as nginx does on a live host: the tests must
# pick low ports that nothing on the host holds.
guest mkdir -p /tmp/squat
guest busybox httpd -f -p 80 -h /tmp/squat &
guest squatter=$!
guest run_tap squatter squatter_check
guest run_tap bind_test /portown/selftests/bind_test
guest run_tap bindx_test /portown/selftests/bindx_test
guest run_tap stacking_test /portown/selftests/stacking_test
guest run_tap fs_test /portown/selftests/fs_test
guest run_tap audit_test /portown/selftests/audit_test
guest run_tap stress_test /portown/selftests/stress_test
guest run_tap bypass_test /portown/selftests/bypass_test
guest run_tap handover_test /portown/selftests/handover_test
guest kill $squatter
guest wait $squatter 2>/dev/null
# vmtest/check.sh compares these two with nolsm's stock run.
guest run_grid enforcing -e 1
guest run_grid permissive -e 0
guest run_tap fuzz /portown/selftests/portown_fuzz -t "${fuzz_seconds:-60}"
# Without portownctl, active_checks' item 6 fails already.
guest [ -x /usr/sbin/portownctl ] && run_tap portownctl_vm sh /portown/vm/portownctl-vm.sh
guest [ -x /usr/sbin/portownctl ] && run_tap portownctl_lock sh /portown/vm/portownctl-lock.sh
guest run_tap lock_test env PORTOWN_TEST_LOCK=1 /portown/selftests/lock_test
