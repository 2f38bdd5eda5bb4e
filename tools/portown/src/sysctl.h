/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which sysctl.d files set a sysctl at boot: the files systemd-sysctl (and
 * "sysctl --system") apply, so that a message can name the file to fix.
 */
#ifndef PORTOWN_SYSCTL_H
#define PORTOWN_SYSCTL_H

#include <stddef.h>

struct po_sysctl_src {
	char path[512];
	unsigned line;
	char value[32];
};

/*
 * The lines that set key (dotted, e.g. "net.ipv4.ip_unprivileged_port_start")
 * to a value other than skip_value (NULL: any), in the order they are
 * applied at boot: files of /etc/sysctl.d, /run/sysctl.d,
 * /usr/local/lib/sysctl.d, /usr/lib/sysctl.d and /lib/sysctl.d by name (a
 * name in an earlier directory hides the same name in a later one), then
 * /etc/sysctl.conf.  Paths are under $PORTOWN_SYSCTL_ROOT (tests).  Returns
 * the number found; at most max are stored.
 */
size_t po_sysctl_sources(const char *key, const char *skip_value,
			 struct po_sysctl_src *out, size_t max);

#endif
