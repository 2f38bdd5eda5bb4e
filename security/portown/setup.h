/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - registration, shared by the files that register something
 */

#ifndef _SECURITY_PORTOWN_SETUP_H
#define _SECURITY_PORTOWN_SETUP_H

#include <linux/init.h>
#include <linux/lsm_hooks.h>

/* portown is in the "lsm=" list and initialized (lsm.c). */
extern bool portown_enabled;

extern const struct lsm_id portown_lsmid;

/**
 * struct portown_sock - portown's part of a socket's security blob
 * @sctp_chosen: the port a caller named for this SCTP endpoint, by a
 *	bind(2) or sctp_bindx() of a non-zero port while it was unbound, or
 *	%PORTOWN_SCTP_CHOSEN_ANY once callers named two different ones; 0
 *	while none did. Set before the bind can take place, never cleared,
 *	and copied to the sockets that accept() and sctp_peeloff() make from
 *	it. Later uses of the endpoint's port are judged for whoever makes
 *	them if it is the chosen one; a port the kernel picked (autobind) is
 *	not, as the stock kernel never judges one.
 */
struct portown_sock {
	u32 sctp_chosen;
};

#define PORTOWN_SCTP_CHOSEN_ANY	U32_MAX

/* Offsets of portown's parts of the security blobs, set at LSM init. */
extern struct lsm_blob_sizes portown_blob_sizes;

/* Register the socket hooks (hooks.c). */
void __init portown_add_hooks(void);

#endif /* _SECURITY_PORTOWN_SETUP_H */
