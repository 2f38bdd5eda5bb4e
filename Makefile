# SPDX-License-Identifier: GPL-2.0
# portown: build the patched kernel, boot it in QEMU, run every test.
# See README.md. All state lives in build/ (override with PORTOWN_BUILD).

V := vmtest

.PHONY: all deps patch tree kernel selftests initramfs check demo demo-initramfs \
	checkpatch vm-tests host-tests debian-tests summary clean

all: kernel

deps:
	$(V)/deps.sh

patch:
	@$(V)/mkpatch.sh

tree: deps
	$(V)/prepare-tree.sh

kernel: tree
	$(V)/with-lock.sh $(V)/build-kernel.sh

clean:
	rm -rf build
