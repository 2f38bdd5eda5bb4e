# SPDX-License-Identifier: GPL-2.0
# portown: build the patched kernel, boot it in QEMU, run every test.
# See README.md. All state lives in build/ (override with PORTOWN_BUILD).

V := vmtest

.PHONY: all deps patch tree kernel kernel-prod kernel-kcsan guest initramfs \
	check demo demo-initramfs bench fuzz kcsan deb check-distro clean

all: kernel

# Debian packages for everything below (apt-get, as root).
deps:
	@$(V)/deps.sh

# One patch against pristine linux-source-6.12; prints its path last.
patch:
	@$(V)/mkpatch.sh

tree: deps
	@$(V)/prepare-tree.sh

kernel: tree
	@$(V)/with-lock.sh $(V)/build-kernel.sh

# The production-like kernel: the same patch and networking, no debugging,
# BPF (vmtest/kernel-prod.config), in build/kbuild-prod (incremental).
kernel-prod: tree
	@$(V)/with-lock.sh $(V)/build-kernel.sh prod

# What runs inside the VMs, built against the uapi headers of the kernel it
# goes with: the test kernel for make check, the production-like one for
# make demo and make bench (GUEST_KERNEL=kernel-prod).
GUEST_KERNEL ?= kernel
guest: $(GUEST_KERNEL)
	@GUEST_KERNEL=$(GUEST_KERNEL) $(V)/build-guest-tools.sh

initramfs: guest
	@$(V)/mkinitramfs.sh

# Every test: checkpatch, the documentation build, KUnit, kselftests and
# portownctl in the VM, portownctl on the host, the Debian 12 and 13 guests. Last line: "N passed, N failed, N skipped".
check: initramfs kernel-prod
	@$(V)/check.sh

# The main job: the small initramfs demo, then a Debian 13 guest on the
# portown kernel: nginx as www-data on 80 and 443, then alice's rootless
# Podman publishing :80 and mallory's refusal (one boot).
demo:
	@$(MAKE) --no-print-directory initramfs GUEST_KERNEL=kernel-prod
	@PORTOWN_KERNEL_IMAGE=$(abspath build/kbuild-prod/arch/x86/boot/bzImage) \
		$(V)/demo-initramfs.sh
	@$(V)/debian/run-workloads.sh --demo

# The small demo: busybox httpd as uid 33 in the test initramfs.
demo-initramfs:
	@$(MAKE) --no-print-directory initramfs GUEST_KERNEL=kernel-prod
	@PORTOWN_KERNEL_IMAGE=$(abspath build/kbuild-prod/arch/x86/boot/bzImage) \
		$(V)/demo-initramfs.sh

# What portown costs per bind against the kernel without it and against
# cgroup BPF bind programs, on the production-like kernel: a table, CSV and
# a plot in build/bench/; the last line is the summary.
bench:
	@$(MAKE) --no-print-directory initramfs GUEST_KERNEL=kernel-prod
	@$(V)/bench.sh

# The model-checking fuzzer alone in the test VM, PORTOWN_FUZZ_SECONDS
# (default 600) long; prints how many operations and races it tried.
fuzz: initramfs
	@$(V)/fuzz.sh

# The KCSAN kernel: the test kernel with KCSAN instead of KASAN
# (vmtest/kernel-kcsan.config), in build/kbuild-kcsan (incremental).
kernel-kcsan: tree
	@$(V)/with-lock.sh $(V)/build-kernel.sh kcsan

# A boot of the KCSAN kernel, two CPUs, on the test initramfs (reused, built
# if absent): portown's race and stress tests and a 60 s fuzzer. Fails on a
# KCSAN report in portown code, lists the others (vmtest/kcsan.sh). Last
# line: "kcsan: N passed, N failed, N skipped". NOT part of make check: its
# kernel is a build of its own (11-13 minutes cold), and make check must
# stay under 60 minutes cold on 2 cores.
kcsan: kernel-kcsan
	@$(V)/kcsan.sh

# The two packages for a real host: portown-tools (tools/portown/debian,
# lintian-clean) and a kernel built the way Debian builds it, from Debian
# 13's own cloud-amd64 configuration, untrimmed, with portown in CONFIG_LSM
# (vmtest/mkdeb-kernel.sh; PORTOWN_DEB_FLAVOUR=amd64 for Debian's generic
# flavour). Prints their paths last.
deb: tree
	@$(V)/deb.sh

# The Debian guest on the QEMU variant of that kernel (6.12.N-portown-qemu,
# its modules trimmed to the guest's), installed from its .deb with
# portown-tools: no lsm= on the command line, AppArmor stacked, the nginx
# scenario and the kselftests, then a boot with portown left out of lsm=.
check-distro: tree
	@$(V)/debian/check-distro.sh

clean:
	rm -rf build
