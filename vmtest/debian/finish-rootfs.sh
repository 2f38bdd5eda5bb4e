#!/bin/bash
# finish-rootfs.sh ROOTFS -- stage 2 of mkimage.sh: plain file edits on an
# unpacked rootfs (no mounts): overlay/, nginx as www-data, portown-tools
# installed from its .deb (PORTOWN_TOOLS_DEB) by dpkg --root, units enabled
# offline with `systemctl --root`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
root=${1:?usage: finish-rootfs.sh ROOTFS}
tools=${PORTOWN_TOOLS_DIR:-$repo/tools/portown}
log() { printf 'finish-rootfs: %s\n' "$*" >&2; }

# ---- overlay: files owned by root, modes as in the tree; existing
# directories keep their metadata. /etc/portown.conf is the package's
# conffile: ours replaces it after the installation below (were it there
# before, dpkg would stop at its conffile prompt).
tar -C "$here/overlay" --owner=0 --group=0 --numeric-owner \
    --exclude=./etc/portown.conf -cf - . |
    tar -C "$root" --no-overwrite-dir -xpf -
if [ "${PORTOWN_DISTRO:-0}" = 1 ]; then
    tar -C "$here/overlay-distro" --owner=0 --group=0 --numeric-owner -cf - . |
        tar -C "$root" --no-overwrite-dir -xpf -
    # The programs the AppArmor test profiles confine.
    install -m 0755 "$root/usr/bin/cat" "$root/usr/local/bin/portown-aa-cat"
    install -m 0755 "$root/bin/nc.openbsd" "$root/usr/local/bin/portown-aa-nc"
fi
if [ -n "${PORTOWN_WORKLOADS:-}" ]; then
    tar -C "$here/overlay-workloads" --owner=0 --group=0 --numeric-owner -cf - . |
        tar -C "$root" --no-overwrite-dir -xpf -
fi

echo portown-debian > "$root/etc/hostname"
cat > "$root/etc/hosts" <<'EOF'
127.0.0.1	localhost
127.0.1.1	portown-debian
::1		localhost ip6-localhost ip6-loopback
EOF
# No root password, no console login needed: the scenario is automated.
# A fixed machine id, so that systemd does not treat the boot as a "first
# boot" (systemd-firstboot would prompt on the console and wait forever;
# preset-all would re-enable units); each run boots a fresh overlay anyway.
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$root/etc/machine-id"
echo >> "$root/etc/machine-id"

# ---- nginx runs entirely as www-data: no `user` directive (it only makes
# sense for a root master), pid file in /run/nginx (RuntimeDirectory= of the
# drop-in, owned by www-data).
conf=$root/etc/nginx/nginx.conf
sed -i -e '/^[[:space:]]*user[[:space:]]/d' \
       -e 's|^[[:space:]]*pid[[:space:]].*|pid /run/nginx/nginx.pid;|' "$conf"
grep -q '^pid /run/nginx/nginx.pid;' "$conf" || { log "nginx.conf has no pid line"; exit 1; }
rm -f "$root/etc/nginx/sites-enabled/default"
ln -sfn ../sites-available/portown "$root/etc/nginx/sites-enabled/portown"
# Temp dirs: StateDirectory= in the drop-in chowns them to www-data at
# start; make the build-time state match already. The logs stay as Debian
# has them (directory root:adm 0755, files www-data:adm 0640).
chown -R 33:33 "$root/var/lib/nginx"

# ---- portown's tools: the portown-tools package (vmtest/mkdeb-tools.sh),
# installed by the guest's own dpkg (maintainer scripts run chrooted, as at
# any installation: deb-systemd-helper enables portown.service).
deb=${PORTOWN_TOOLS_DEB:-}
if [ -n "$deb" ]; then
    log "dpkg --root=$root -i $(basename "$deb")"
    dpkg --root="$root" -i "$deb" >&2
    [ -x "$root/usr/sbin/portownctl" ] || { log "the package did not install /usr/sbin/portownctl"; exit 1; }
    unit=
    for d in usr/lib/systemd/system lib/systemd/system; do
        [ -f "$root/$d/portown.service" ] && unit=$root/$d/portown.service
    done
    [ -n "$unit" ] || { log "the package did not install portown.service"; exit 1; }
    ls "$root"/etc/systemd/system/*.wants/portown.service >/dev/null 2>&1 ||
        { log "the package did not enable portown.service"; exit 1; }
else
    log "WARNING: no portown-tools package: image has no portownctl"
fi
# ---- check-distro: the kernel from its packages (the postinst makes the
# initramfs), and the kselftests.
for kdeb in ${PORTOWN_KERNEL_DEBS:-}; do
    log "dpkg --root=$root -i $(basename "$kdeb")"
    dpkg --root="$root" -i "$kdeb" >&2
done
if [ -n "${PORTOWN_SELFTESTS:-}" ]; then
    install -d "$root/usr/local/lib/portown-selftests"
    install -m 0755 "$PORTOWN_SELFTESTS"/* "$root/usr/local/lib/portown-selftests/"
fi
if [ -n "${PORTOWN_WORKLOADS:-}" ]; then
    install -d "$root/usr/local/lib/portown-workloads"
    install -m 0755 "$PORTOWN_WORKLOADS"/* "$root/usr/local/lib/portown-workloads/"
fi
# Our policy (overlay) wins over the package's example configuration
# (a conffile: dpkg keeps ours at upgrades).
install -m 0644 "$here/overlay/etc/portown.conf" "$root/etc/portown.conf"

# ---- units
# portown.service: enabled by the package, not here.
enable=(systemd-networkd.service nginx.service ssh.service auditd.service portown-scenario.service)
systemctl --root="$root" enable "${enable[@]}" >&2
# Nothing in the guest may reach out to the network on a timer, nothing
# waits for "online", and what the scenario does not need does not start
# (every unit costs seconds under TCG with the KASAN/lockdep kernel; the
# kernel has no modules and no VT).
masked=(apt-daily.timer apt-daily-upgrade.timer
    systemd-networkd-wait-online.service e2scrub_all.timer e2scrub_reap.service
    fstrim.timer dpkg-db-backup.timer systemd-tmpfiles-clean.timer
    systemd-firstboot.service getty.target
    systemd-network-generator.service systemd-pcrphase.service
    systemd-pcrphase-sysinit.service
    systemd-sysusers.service systemd-update-utmp.service
    systemd-update-utmp-runlevel.service systemd-journal-flush.service
    systemd-random-seed.service sys-kernel-tracing.mount)
# make check's guests (kernels with no modules) go without module
# loading, and the Debian 12 one without logind. check-distro's keeps
# them, as a Debian host has them: the static device nodes (/dev/net/tun,
# whose open loads tun for pasta). The workloads' guests keep logind (with
# dbus) for alice's lingering systemd --user service.
[ "${PORTOWN_DISTRO:-0}" = 1 ] ||
    masked+=(modprobe@.service systemd-modules-load.service kmod-static-nodes.service)
[ "${PORTOWN_DISTRO:-0}" = 1 ] || [ -n "${PORTOWN_WORKLOADS:-}" ] ||
    masked+=(systemd-logind.service)
systemctl --root="$root" mask "${masked[@]}" >&2
# Generators run before systemd loads a single unit, each one an exec of a
# binary linked against libsystemd-shared: together about 20 s of every
# boot here. Only the fstab generator has work to do on this image (no
# crypt/verity/integrity devices, GPT auto-mounting, hibernation, SysV
# scripts without a native unit, rc.local, gettys or kernel-command-line
# units): the others are masked the way systemd.generator(7) documents,
# with a link to /dev/null of the same name in /etc.
gens=$root/usr/lib/systemd/system-generators
[ -d "$gens" ] || { log "no $gens"; exit 1; }
mkdir -p "$root/etc/systemd/system-generators"
for g in "$gens"/*; do
    case ${g##*/} in systemd-fstab-generator) continue ;; esac
    ln -sfn /dev/null "$root/etc/systemd/system-generators/${g##*/}"
done
# Volatile journal: no flush to /var at boot; the scenario only looks at
# the current boot.
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' > "$root/etc/systemd/journald.conf.d/portown-vm.conf"
rm -rf "$root/var/log/journal"
