#!/bin/bash
# mkimage.sh OUTDIR -- build the Debian guest image of the portown scenario:
# Debian 12 (bookworm) by default, Debian 13 with PORTOWN_SUITE=trixie.
#
# Two cached stages, each rebuilt only when its inputs change:
#   1. OUTDIR/base.tar   mmdebstrap of the suite with packages.txt, plus
#                        hooks/base-customize.sh (users, TLS certificate).
#                        Key: packages.txt, the hook, the apt sources, the
#                        mmdebstrap command line.
#   2. OUTDIR/image.raw  base.tar unpacked, overlay/ copied in, nginx
#                        re-configured, the portown-tools package built
#                        (vmtest/mkdeb-tools.sh) and installed with
#                        `dpkg --root`, units enabled, then
#                        `mke2fs -t ext4 -d` (no loop mount, no root mount).
#                        Key: stage 1's key, this script, finish-rootfs.sh,
#                        overlay/, the sources of tools/portown, the size,
#                        and the distro inputs below.
# A stage's key is a sha256 over its inputs, kept in OUTDIR/*.stamp.
#
# Environment:
#   PORTOWN_IMAGE_SIZE      ext4 image size (default 2G)
#   PORTOWN_TOOLS_DIR       portown tools source (default <repo>/tools/portown)
#   PORTOWN_ALLOW_NO_TOOLS  1: build even when tools/portown has no Makefile
#                           (the image then lacks portownctl: debugging only)
#   PORTOWN_SUITE           bookworm (default) or trixie
#   PORTOWN_APT_SOURCES     deb822 .sources file (default for bookworm: this
#                           machine's /etc/apt/sources.list.d/debian.sources;
#                           for trixie: OUTDIR/trixie.sources, the same
#                           Debian archive with trixie's suites)
#   PORTOWN_LOCK_HELD       1: the caller already holds /tmp/portown-heavy.lock
#                           (otherwise taken for stage 1, the mmdebstrap run)
#   PORTOWN_FORCE_REBUILD   1: ignore the stamps
#   PORTOWN_EXTRA_PACKAGES  more packages for stage 1 (check-distro: apparmor,
#                           initramfs-tools)
#   PORTOWN_KERNEL_DEBS     kernel packages for stage 2 (dpkg --root -i)
#   PORTOWN_SELFTESTS       a directory of portown kselftests copied to
#                           /usr/local/lib/portown-selftests
#   PORTOWN_DISTRO          1: also overlay-distro/ (AppArmor test profiles)
#   PORTOWN_WORKLOADS       a directory of the workloads' programs
#                           (build-workloads.sh), copied to
#                           /usr/local/lib/portown-workloads, with
#                           overlay-workloads/ (their system unit)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:?usage: mkimage.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

size=${PORTOWN_IMAGE_SIZE:-2G}
tools=${PORTOWN_TOOLS_DIR:-$repo/tools/portown}
suite=${PORTOWN_SUITE:-bookworm}
case $suite in
bookworm)
    sources=${PORTOWN_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources} ;;
trixie)
    sources=${PORTOWN_APT_SOURCES:-$out/trixie.sources}
    if [ -z "${PORTOWN_APT_SOURCES:-}" ]; then
        cat >"$sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi ;;
*)
    echo "mkimage: error: PORTOWN_SUITE=$suite: bookworm or trixie" >&2; exit 1 ;;
esac
lock=/tmp/portown-heavy.lock

log() { printf 'mkimage: %s\n' "$*" >&2; }
die() { printf 'mkimage: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (the rootfs keeps real owners; mke2fs -d copies them)"
for t in mmdebstrap mke2fs tar sha256sum; do
    command -v "$t" >/dev/null || die "$t not found: apt-get install \$(cat $here/debian-deps.txt)"
done
[ -r "$sources" ] || die "apt sources file $sources not readable"

# ---------------------------------------------------------------- inputs
pkgs=$( { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/packages.txt";
          printf '%s\n' ${PORTOWN_EXTRA_PACKAGES:-}; } | grep -v '^$' | paste -sd, -)
mmdebstrap_args=(
    --variant=apt
    --format=tar
    --include="$pkgs"
    --aptopt='Acquire::Retries "3"'
    --dpkgopt='path-exclude=/usr/share/doc/*'
    --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/locale/*'
    --dpkgopt='path-exclude=/usr/share/info/*'
    --skip=essential/unlink
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/'
    --setup-hook="sync-in $out/debs /var/cache/apt/archives/"
    --customize-hook="$here/hooks/base-customize.sh \"\$1\""
    --customize-hook="sync-out /var/cache/apt/archives $out/debs"
)

hash_files() { # hash_files FILE... : names and contents, in the given order
    local f
    for f in "$@"; do
        printf '%s\n' "${f#"$here"/}"
        sha256sum < "$f"
    done | sha256sum | cut -d' ' -f1
}

key1=$( {
    echo "stage1 v1 $suite"
    printf '%s\n' "${mmdebstrap_args[@]}"
    cat "$here/packages.txt" "$here/hooks/base-customize.sh" "$sources"
} | sha256sum | cut -d' ' -f1)

tool_files=()
if [ -f "$tools/Makefile" ]; then
    # Sources only: tracked files plus untracked ones that .gitignore does
    # not exclude, so in-tree build outputs do not change the key.
    while IFS= read -r -d '' f; do
        [ -f "$tools/$f" ] && tool_files+=("$tools/$f")
    done < <(git -C "$tools" ls-files -z --cached --others --exclude-standard . | sort -z)
elif [ "${PORTOWN_ALLOW_NO_TOOLS:-0}" != 1 ]; then
    die "$tools/Makefile missing: portown's tools are not there yet (PORTOWN_ALLOW_NO_TOOLS=1 to build without them)"
fi
overlay_files=()
overlays=("$here/overlay")
[ "${PORTOWN_DISTRO:-0}" = 1 ] && overlays+=("$here/overlay-distro")
[ -n "${PORTOWN_WORKLOADS:-}" ] && overlays+=("$here/overlay-workloads")
while IFS= read -r -d '' f; do overlay_files+=("$f"); done \
    < <(find "${overlays[@]}" \( -type f -o -type l \) -print0 | sort -z)
distro_files=()
for f in ${PORTOWN_KERNEL_DEBS:-}; do distro_files+=("$f"); done
if [ -n "${PORTOWN_SELFTESTS:-}" ]; then
    while IFS= read -r -d '' f; do distro_files+=("$f"); done \
        < <(find "$PORTOWN_SELFTESTS" -maxdepth 1 -type f -print0 | sort -z)
fi
if [ -n "${PORTOWN_WORKLOADS:-}" ]; then
    while IFS= read -r -d '' f; do distro_files+=("$f"); done \
        < <(find "$PORTOWN_WORKLOADS" -maxdepth 1 -type f -print0 | sort -z)
fi

key2=$( {
    echo "stage2 v1 $key1 size=$size tools=${#tool_files[@]}"
    hash_files "$here/mkimage.sh" "$here/finish-rootfs.sh" "${overlay_files[@]}"
    for f in "${overlay_files[@]}"; do stat -c '%n %a' "$f" | sed "s|$here/||"; done
    [ ${#tool_files[@]} -eq 0 ] || hash_files "${tool_files[@]}"
    echo "distro=${PORTOWN_DISTRO:-0} workloads=${PORTOWN_WORKLOADS:+1}"
    [ ${#distro_files[@]} -eq 0 ] || hash_files "${distro_files[@]}"
} | sha256sum | cut -d' ' -f1)

t0=$(date +%s)

# ---------------------------------------------------------------- stage 1
if [ "${PORTOWN_FORCE_REBUILD:-0}" != 1 ] && [ -f "$out/base.tar" ] &&
   [ "$(cat "$out/base.stamp" 2>/dev/null)" = "$key1" ]; then
    log "stage 1: base.tar up to date ($key1)"
else
    # mmdebstrap is the long part: take the machine-wide heavy-job lock
    # unless our caller holds it.  (Stage 2 is a few seconds of file copying
    # and runs without it.)
    if [ "${PORTOWN_LOCK_HELD:-0}" != 1 ]; then
        exec 9>"$lock"
        log "waiting for $lock"
        flock 9
        export PORTOWN_LOCK_HELD=1
    fi
    log "stage 1: mmdebstrap $suite (packages: $pkgs)"
    t0=$(date +%s)
    mkdir -p "$out/debs"
    rm -f "$out/base.stamp" "$out/image.stamp"
    mmdebstrap "${mmdebstrap_args[@]}" "$suite" "$out/base.tar.tmp" "$sources"
    mv -f "$out/base.tar.tmp" "$out/base.tar"
    echo "$key1" > "$out/base.stamp"
    log "stage 1 done in $(( $(date +%s) - t0 ))s"
fi

# ---------------------------------------------------------------- stage 2
if [ "${PORTOWN_FORCE_REBUILD:-0}" != 1 ] && [ -f "$out/image.raw" ] &&
   [ "$(cat "$out/image.stamp" 2>/dev/null)" = "$key2" ]; then
    log "stage 2: image.raw up to date ($key2)"
else
    t1=$(date +%s)
    log "stage 2: rootfs from base.tar"
    rm -f "$out/image.stamp"
    rootfs=$out/rootfs
    rm -rf "$rootfs"
    mkdir "$rootfs"
    tar -C "$rootfs" --numeric-owner --xattrs --xattrs-include='*' -xpf "$out/base.tar"
    deb=
    if [ ${#tool_files[@]} -gt 0 ]; then
        log "stage 2: building the portown-tools package"
        deb=$("$repo/vmtest/mkdeb-tools.sh" | tail -n 1) ||
            die "vmtest/mkdeb-tools.sh failed"
    fi
    PORTOWN_TOOLS_DIR=$tools PORTOWN_TOOLS_DEB=$deb "$here/finish-rootfs.sh" "$rootfs"
    log "stage 2: mke2fs -t ext4 -d rootfs image.raw $size"
    rm -f "$out/image.raw.tmp"
    mke2fs -q -F -t ext4 -L portown-root -d "$rootfs" "$out/image.raw.tmp" "$size"
    mv -f "$out/image.raw.tmp" "$out/image.raw"
    rm -rf "$rootfs"
    echo "$key2" > "$out/image.stamp"
    log "stage 2 done in $(( $(date +%s) - t1 ))s"
fi
log "image: $out/image.raw (total $(( $(date +%s) - t0 ))s)"
