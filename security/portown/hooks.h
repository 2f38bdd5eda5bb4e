/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - address handling of the socket hooks, visible to KUnit
 */

#ifndef _SECURITY_PORTOWN_HOOKS_H
#define _SECURITY_PORTOWN_HOOKS_H

#include <linux/bits.h>
#include <linux/socket.h>

/* Address families a socket's bind can take. */
#define PORTOWN_ADDR_INET	BIT(0)	/* AF_INET */
#define PORTOWN_ADDR_UNSPEC	BIT(1)	/* AF_UNSPEC with INADDR_ANY */
#define PORTOWN_ADDR_INET6	BIT(2)	/* AF_INET6 */
#define PORTOWN_ADDR_ALL \
	(PORTOWN_ADDR_INET | PORTOWN_ADDR_UNSPEC | PORTOWN_ADDR_INET6)

#if IS_ENABLED(CONFIG_KUNIT)
int portown_addr_port(unsigned int families, bool sctp, bool stream,
		      const struct sockaddr *address, int addrlen);
int portown_rxrpc_port(const struct sockaddr *address, int addrlen);
#endif

#endif /* _SECURITY_PORTOWN_HOOKS_H */
