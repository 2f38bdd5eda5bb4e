/* SPDX-License-Identifier: GPL-2.0 */
/* Bound sockets from the kernel's sock_diag netlink interface (libmnl). */
#ifndef PORTOWN_SOCKDIAG_H
#define PORTOWN_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>

struct po_sock {
	unsigned proto;		/* enum po_proto */
	int family;		/* AF_INET / AF_INET6 */
	char addr[64];		/* local address, printable */
	unsigned port;
	uint32_t uid;
	uint64_t inode;
	unsigned state;		/* TCP_* state */
};

struct po_socks {
	struct po_sock *v;
	size_t n, cap;
};

/* 0, or -errno (message in err) */
int po_sockdiag_dump(struct po_socks *out, char *err, size_t errsize);
void po_socks_free(struct po_socks *s);

#endif
