# SPDX-License-Identifier: GPL-2.0
# portown: build the patched kernel, boot it in QEMU, run every test.
# See README.md. All state lives in build/ (override with PORTOWN_BUILD).

V := vmtest
BOOT_POLICY := tcp:80:uid:33,tcp:443:gid:33

.PHONY: all deps patch tree kernel guest initramfs check demo demo-initramfs \
	fuzz clean

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

guest: kernel
	@$(V)/build-guest-tools.sh

initramfs: guest
	@$(V)/mkinitramfs.sh

# Every test: checkpatch, KUnit, kselftests and portownctl in the VM,
# portownctl on the host, the Debian guest. Last line: "N passed, N failed, N skipped".
check: initramfs
	@$(V)/check.sh

# The main job: the small initramfs demo, then a Debian guest on the
# portown kernel with nginx as www-data on 80 and 443.
demo: initramfs
	@$(V)/demo-initramfs.sh
	@$(V)/debian/run-scenario.sh --results build/demo/debian.tap

# The small demo: busybox httpd as uid 33 in the test initramfs.
demo-initramfs: initramfs
	@$(V)/demo-initramfs.sh

# The model-checking fuzzer alone in the test VM, PORTOWN_FUZZ_SECONDS
# (default 600) long; prints how many operations and races it tried.
fuzz: initramfs
	@$(V)/fuzz.sh

clean:
	rm -rf build
