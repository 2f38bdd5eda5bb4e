/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown_grid: what its units share (portown_grid.c: the grid of binds,
 * SCTP, AF_RXRPC, IPV6_ADDRFORM, SO_REUSEPORT, and main();
 * grid_handover.c: sockets that change hands).
 */

#ifndef _PORTOWN_GRID_H
#define _PORTOWN_GRID_H

#define PORTOWN_NO_HARNESS	/* main() is ours */
#include "common.h"
#include "wrappers.h"

#include <linux/io_uring.h>
#include <linux/rxrpc.h>
#include <poll.h>
#include <time.h>

#ifndef IPV6_ADDRFORM
#define IPV6_ADDRFORM 1
#endif

enum subject { S_OWNER, S_OTHER, S_ROOT, S_ROOT_NOCAP, S_USERNS, S_NR };

/* How an address is built, on which socket family. */
enum gfam { G_V4, G_V6, G_MAPPED, G_UNSPEC, G_V4_ON_V6, G_UNSPEC_ON_V6, G_NR };

enum aop { A_CONNECT, A_CONNECTX, A_SENDMSG, A_NR };

/* portown_grid.c */
extern const char *const subject_names[S_NR];
void emit(const char *name, int err, bool xfam);
int become(enum subject s);
socklen_t loopback(struct sockaddr_storage *ss, int domain,
		   unsigned short port);
int assoc_start(int fd, enum aop op, const struct sockaddr_storage *ss,
		socklen_t len);

/* grid_handover.c */
double now(void);
int grid_handover(void);

#endif /* _PORTOWN_GRID_H */
