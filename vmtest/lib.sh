# SPDX-License-Identifier: GPL-2.0
# Common settings for the portown build and VM harness; sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${PORTOWN_BUILD:-$TOP/build}
SRC_TARBALL=${PORTOWN_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
PRISTINE=$B/src/linux-source-6.12	# unpacked tarball, never modified
TREE=$B/linux				# pristine + portown patch
KBUILD=$B/kbuild			# O= directory of the test kernel
KBUILD_PROD=$B/kbuild-prod		# ... of the production-like kernel
PATCH_FILE=$B/portown-6.12.patch
RESULTS=${RESULTS:-$B/results}
JOBS=${JOBS:-$(nproc)}
HEAVY_LOCK=/tmp/portown-heavy.lock

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a CPU-heavy command (kernel build, QEMU) holding the machine-wide lock,
# so that only one runs at a time on a 2-core machine.
heavy() { flock "$HEAVY_LOCK" "$@"; }
