/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown selftests: raw system call wrappers and the constants they need,
 * for io_uring, SCTP and AF_RXRPC (no liburing or libsctp: the tests link
 * statically).
 */

#ifndef _PORTOWN_SELFTEST_WRAPPERS_H
#define _PORTOWN_SELFTEST_WRAPPERS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct io_uring_params;

/* ---- io_uring ---------------------------------------------------- */

static inline int sys_io_uring_setup(unsigned int entries,
				     struct io_uring_params *p)
{
	return syscall(__NR_io_uring_setup, entries, p);
}

static inline int sys_io_uring_enter(int fd, unsigned int to_submit,
				     unsigned int min_complete,
				     unsigned int flags)
{
	return syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags,
		       NULL, 0);
}

static inline int sys_io_uring_register(int fd, unsigned int opcode,
					void *arg, unsigned int nr_args)
{
	return syscall(__NR_io_uring_register, fd, opcode, arg, nr_args);
}

/* A ring of four entries, used one submission at a time. */
struct uring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

/* Sets up @r: 0, or -errno (then r->fd is -1). */
int uring_init(struct uring *r);

/* 1 when IORING_OP_BIND is supported, 0 if not, or -errno. */
int uring_probe_bind(int ring_fd);

/*
 * Submits one IORING_OP_BIND (with IOSQE_ASYNC if @async) and waits for
 * it: 0, the bind errno, or R_IOU - errno when io_uring itself failed.
 */
int uring_bind(struct uring *r, int sockfd, const void *addr, socklen_t len,
	       bool async);

/* ---- SCTP (linux/sctp.h) ---------------------------------------- */

#ifndef SCTP_SOCKOPT_BINDX_ADD
#define SCTP_SOCKOPT_BINDX_ADD 100
#endif
#ifndef SCTP_SOCKOPT_PEELOFF
#define SCTP_SOCKOPT_PEELOFF 102
#endif
#ifndef SCTP_SOCKOPT_CONNECTX
#define SCTP_SOCKOPT_CONNECTX 110
#endif

/* sctp_bindx(SCTP_BINDX_ADD_ADDR) of a packed address list: 0 or -1. */
static inline int sys_sctp_bindx_add(int fd, const void *addrs,
				     socklen_t len)
{
	return setsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, addrs, len);
}

/* sctp_connectx() of a packed address list: an association id, or -1. */
static inline int sys_sctp_connectx(int fd, const void *addrs, socklen_t len)
{
	return setsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX, addrs, len);
}

/* ---- AF_RXRPC ---------------------------------------------------- */

#ifndef AF_RXRPC
#define AF_RXRPC 33
#endif

#endif /* _PORTOWN_SELFTEST_WRAPPERS_H */
