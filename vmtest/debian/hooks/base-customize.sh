#!/bin/sh
# mmdebstrap --customize-hook for the cached base of the portown Debian guest.
# $1 is the root filesystem being built; mmdebstrap has set up /proc, /sys and
# /dev inside it for the hook, so `chroot "$1" CMD` runs the guest's own tools.
# Everything that needs the guest's binaries lives here (users, certificate);
# plain file edits are done later by finish-rootfs.sh so that changing them
# does not force a new download of the packages.
set -eu
root=$1

# Test users: alice may use the web server, mallory tries to squat its port.
chroot "$root" useradd --uid 1000 --user-group --create-home --shell /bin/bash alice
chroot "$root" useradd --uid 1001 --user-group --create-home --shell /bin/bash mallory

# Self-signed certificate for nginx, made at build time.  The key is readable
# by www-data because the whole nginx runs as www-data (no root master).
mkdir -p "$root/etc/nginx/ssl"
chroot "$root" openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
    -subj /CN=portown-debian -addext subjectAltName=DNS:portown-debian,DNS:localhost,IP:127.0.0.1 \
    -keyout /etc/nginx/ssl/portown.key -out /etc/nginx/ssl/portown.crt 2>/dev/null
chroot "$root" chown root:www-data /etc/nginx/ssl/portown.key
chmod 0640 "$root/etc/nginx/ssl/portown.key"
chmod 0644 "$root/etc/nginx/ssl/portown.crt"
