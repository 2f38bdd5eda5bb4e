// SPDX-License-Identifier: GPL-2.0
/*
 * portown: sockets that change hands
 *
 * A socket bound under one credential is used under another: passed over
 * a unix socket (SCM_RIGHTS) or kept across setresuid(). portown judges
 * the port the kernel will really use, with the credentials of the task
 * making the call, as the stock kernel's own SCTP checks do:
 *
 * - sctp_bindx() of an address with port 0 on a bound endpoint binds the
 *   endpoint's port;
 * - an SCTP association (connect(), sctp_connectx(), sendmsg() to a new
 *   peer) starts from the endpoint's port, including one that another
 *   thread binds while connect() runs;
 * - accept() and sctp_peeloff() make sockets that hold the port too;
 * - a port the kernel picked (autobind) is never judged, even with the
 *   reserved boundary above the start of ip_local_port_range, and even
 *   after a bind of another port failed.
 *
 * Runs as root; other credentials in forked children (see common.h).
 */

#include "common.h"
#include "wrappers.h"

#include <poll.h>
#include <pthread.h>

#define HO_LOW 706		/* unowned, below the boundary */
#define HO_OWNED 7095		/* sctp, uid UID_OWNER */
#define HO_IN_RANGE 39000	/* inside ip_local_port_range */
#define HO_RACE 708		/* bound by root while another thread connects */

static const struct creds third_creds = {
	.uid = UID_THIRD, .gid = GID_THIRD,
};

/* ---- what the user does with the socket ------------------------- */

enum ho_op { HO_BINDX0, HO_BINDX_PORT, HO_CONNECT, HO_CONNECTX, HO_SENDMSG };

static const char *const ho_op_names[] = {
	"sctp_bindx(port 0)", "sctp_bindx(the endpoint's port)", "connect",
	"sctp_connectx", "sendmsg to a new peer",
};

/* How the binder gets the socket it hands over. */
enum ho_how {
	HO_BIND,	/* bind(2) of a port */
	HO_AUTOBIND,	/* bind(2) of port 0: the kernel picks */
	HO_ACCEPTED,	/* accept() on a listener bound to the port */
	HO_PEELED,	/* sctp_peeloff() of an association from the port */
};

struct ho_job {
	int family, type;
	bool scm;			/* SCM_RIGHTS, or kept across setresuid */
	enum ho_how how;
	unsigned short port;
	const struct creds *binder;	/* NULL: root; SCM_RIGHTS only */
	const struct creds *user;	/* NULL: root */
	enum ho_op op;
};

/* A second local address: 127.0.0.2, v4-mapped on an AF_INET6 socket. */
static socklen_t second_addr(struct sockaddr_storage *ss, int family,
			     unsigned short port)
{
	socklen_t len;

	if (family == AF_INET) {
		len = set_sockaddr(ss, AF_INET, "loopback", port);
		((struct sockaddr_in *)ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK + 1);
		return len;
	}
	len = set_sockaddr(ss, AF_INET6, "mapped-loopback", port);
	((struct sockaddr_in6 *)ss)->sin6_addr.s6_addr[15] = 2;
	return len;
}

static int sctp_socket(int family, int type)
{
	struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	int one = 1, fd;

	fd = socket(family, type | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (fd < 0)
		return fd;
	/* A new peer each time; no remains of an earlier association. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
		   sizeof(abort_close));
	return fd;
}

/* A listening peer on the loopback address, its port in *port. */
static int sctp_listener(int family, int type, unsigned short port,
			 unsigned short *bound)
{
	struct sockaddr_storage ss;
	socklen_t len = set_sockaddr(&ss, family, "loopback", port);
	int fd = sctp_socket(family, type);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	*bound = local_port(fd);
	return fd;
}

/*
 * Starts an association from @fd to a fresh peer: 0 once it is up (or
 * let start: a non-blocking socket's EINPROGRESS), else the errno.
 */
static int start_assoc(int fd, int family, enum ho_op op)
{
	struct sockaddr_storage ss;
	unsigned short peer;
	socklen_t len;
	int lfd, ret;

	lfd = sctp_listener(family, SOCK_STREAM, 0, &peer);
	if (lfd < 0)
		return R_MISC - errno;
	len = set_sockaddr(&ss, family, "loopback", peer);
	switch (op) {
	case HO_CONNECT:
		ret = connect(fd, (struct sockaddr *)&ss, len);
		break;
	case HO_CONNECTX:
		ret = sys_sctp_connectx(fd, &ss, len);
		break;
	default:
		ret = sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len);
		break;
	}
	ret = ret < 0 ? errno : 0;
	if (ret == EINPROGRESS) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		socklen_t elen = sizeof(ret);

		if (poll(&pfd, 1, 20000) != 1)
			ret = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &ret, &elen))
			ret = R_MISC - errno;
	}
	close(lfd);
	return ret;
}

/* The user's operation on the handed-over socket: 0 or the errno. */
static int ho_use(int fd, const struct ho_job *job)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int port;

	switch (job->op) {
	case HO_BINDX0:
	case HO_BINDX_PORT:
		port = job->op == HO_BINDX0 ? 0 : local_port(fd);
		if (port < 0)
			return port;
		len = second_addr(&ss, job->family, port);
		if (sys_sctp_bindx_add(fd, &ss, len))
			return errno;
		return 0;
	default:
		fcntl(fd, F_SETFL, O_NONBLOCK);
		return start_assoc(fd, job->family, job->op);
	}
}

/* ---- how the binder makes it ------------------------------------ */

/*
 * The binder's socket, or R_MISC - errno. *keep is a peer or listener
 * that must stay open while the socket is used.
 */
static int ho_make(const struct ho_job *job, int *keep)
{
	struct sockaddr_storage ss;
	unsigned short lport;
	int fd, cfd, ret;
	socklen_t len;

	*keep = -1;
	switch (job->how) {
	case HO_BIND:
	case HO_AUTOBIND:
		fd = sctp_socket(job->family, job->type);
		if (fd < 0)
			return R_SOCKET - errno;
		len = set_sockaddr(&ss, job->family, "loopback",
				   job->how == HO_BIND ? job->port : 0);
		if (bind(fd, (struct sockaddr *)&ss, len)) {
			ret = R_MISC - errno;
			close(fd);
			return ret;
		}
		return fd;
	case HO_ACCEPTED:
		*keep = sctp_listener(job->family, SOCK_STREAM, job->port,
				      &lport);
		if (*keep < 0)
			return R_MISC - errno;
		cfd = sctp_socket(job->family, SOCK_STREAM);
		len = set_sockaddr(&ss, job->family, "loopback", lport);
		if (cfd < 0 || connect(cfd, (struct sockaddr *)&ss, len))
			return R_MISC - errno;
		fd = accept(*keep, NULL, NULL);
		if (fd < 0)
			return R_MISC - errno;
		close(*keep);
		*keep = cfd;
		return fd;
	default:		/* HO_PEELED */
		fd = sctp_socket(job->family, SOCK_SEQPACKET);
		len = set_sockaddr(&ss, job->family, "loopback", job->port);
		if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len))
			return R_MISC - errno;
		*keep = sctp_listener(job->family, SOCK_STREAM, 0, &lport);
		if (*keep < 0)
			return R_MISC - errno;
		len = set_sockaddr(&ss, job->family, "loopback", lport);
		ret = sys_sctp_connectx(fd, &ss, len);
		if (ret <= 0)
			return R_MISC - (ret ? errno : EPROTO);
		{
			struct { int assoc_id, sd; } peel = { .assoc_id = ret };
			socklen_t plen = sizeof(peel);

			/* Returns the new descriptor, also in peel.sd. */
			if (getsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_PEELOFF,
				       &peel, &plen) < 0)
				return R_MISC - errno;
			close(fd);
			return peel.sd;
		}
	}
}

/* ---- the hand-over ---------------------------------------------- */

static int send_fd(int sock, int fd, int code)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = &code, .iov_len = sizeof(code) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, 0) == sizeof(code) ? 0 : -1;
}

/* The descriptor sent, or the binder's failure code (negative). */
static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	int code = R_MISC, fd;
	struct iovec iov = { .iov_base = &code, .iov_len = sizeof(code) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(code))
		return R_MISC - errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return code < 0 ? code : R_MISC - EBADMSG;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/*
 * In a root child: the binder makes the socket and the user uses it,
 * res[0] the user's result. With SCM_RIGHTS the binder is a process of
 * its own (job->binder) that sends the socket to the user's process;
 * otherwise root makes it and drops to the user's credentials.
 */
static void ho_fn(const void *arg, int *res)
{
	const struct ho_job *job = arg;
	int fd, keep, sv[2], status;
	pid_t binder;
	char done;

	if (!job->scm) {
		fd = ho_make(job, &keep);
		if (fd < 0) {
			res[0] = fd;
			return;
		}
		if (job->user && drop_privileges(job->user)) {
			res[0] = R_PRIV;
			return;
		}
		res[0] = ho_use(fd, job);
		return;
	}

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		res[0] = R_MISC - errno;
		return;
	}
	binder = fork();
	if (binder < 0) {
		res[0] = R_MISC - errno;
		return;
	}
	if (!binder) {
		if (job->binder && drop_privileges(job->binder)) {
			send_fd(sv[0], -1, R_PRIV);
			_exit(1);
		}
		fd = ho_make(job, &keep);
		send_fd(sv[0], fd, fd);
		/* Keep the peer until the user is done. */
		_exit(read(sv[0], &done, 1) == 1 ? 0 : 1);
	}
	if (!job->user || !drop_privileges(job->user)) {
		fd = recv_fd(sv[1]);
		res[0] = fd < 0 ? fd : ho_use(fd, job);
	} else {
		res[0] = R_PRIV;
	}
	if (write(sv[1], "", 1) != 1 && !res[0])
		res[0] = R_MISC - errno;
	waitpid(binder, &status, 0);
}

/* ---- the fixture ------------------------------------------------- */

FIXTURE(handover)
{
	struct ho_job base;	/* the variant's family, type and hand-over */
};

FIXTURE_VARIANT(handover)
{
	int family, type;
	bool scm;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(handover, ipv4_stream_kept) {
	/* clang-format on */
	.family = AF_INET, .type = SOCK_STREAM,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(handover, ipv4_seqpacket_kept) {
	/* clang-format on */
	.family = AF_INET, .type = SOCK_SEQPACKET,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(handover, ipv6_stream_kept) {
	/* clang-format on */
	.family = AF_INET6, .type = SOCK_STREAM,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(handover, ipv6_seqpacket_kept) {
	/* clang-format on */
	.family = AF_INET6, .type = SOCK_SEQPACKET,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(handover, ipv4_stream_scm) {
	/* clang-format on */
	.family = AF_INET, .type = SOCK_STREAM, .scm = true,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(handover, ipv4_seqpacket_scm) {
	/* clang-format on */
	.family = AF_INET, .type = SOCK_SEQPACKET, .scm = true,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(handover, ipv6_stream_scm) {
	/* clang-format on */
	.family = AF_INET6, .type = SOCK_STREAM, .scm = true,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(handover, ipv6_seqpacket_scm) {
	/* clang-format on */
	.family = AF_INET6, .type = SOCK_SEQPACKET, .scm = true,
};

FIXTURE_SETUP(handover)
{
	int fd;

	if (!portown_setup(_metadata))
		return;
	fd = socket(variant->family, variant->type, IPPROTO_SCTP);
	if (fd < 0 && errno_unsupported(errno))
		SKIP(return, "SCTP is not supported: %s", strerror(errno));
	ASSERT_LE(0, fd);
	close(fd);
	self->base.family = variant->family;
	self->base.type = variant->type;
	self->base.scm = variant->scm;
	SET_POLICY("reserved 1024\nsctp 7095 uid 1001\n");
}

FIXTURE_TEARDOWN_PARENT(handover)
{
	portown_teardown(_metadata);
}

/* One expected outcome: @user does @op on a socket got by @how. */
struct ho_case {
	enum ho_how how;
	unsigned short port;
	const struct creds *binder;
	const struct creds *user;
	enum ho_op op;
	int expected;
};

static const char *const ho_how_names[] = {
	"bound to", "autobound, not", "accepted on", "peeled off from",
};

/* Runs @cases on sockets of @base's family and type, handed over its way. */
static void check_cases(struct __test_metadata *_metadata,
			const struct ho_job *base,
			const struct ho_case *cases, int n)
{
	int i, res[MAX_RESULTS];

	for (i = 0; i < n; i++) {
		const struct ho_case *c = &cases[i];
		struct ho_job job = *base;

		/* One-to-one sockets have no sendmsg() to a new peer. */
		if (c->op == HO_SENDMSG && base->type != SOCK_SEQPACKET)
			continue;
		/* Only root can become another user; with SCM_RIGHTS anyone
		 * can hand a socket over.
		 */
		if (c->binder && !base->scm)
			continue;
		job.how = c->how;
		job.port = c->port;
		job.binder = c->binder;
		job.user = c->user;
		job.op = c->op;
		ASSERT_EQ(0, run_child(NULL, ho_fn, &job, res));
		EXPECT_EQ(c->expected, res[0])
		{
			TH_LOG("case %d: %s by uid %d, socket of uid %d %s port %u",
			       i, ho_op_names[c->op],
			       c->user ? (int)c->user->uid : 0,
			       c->binder ? (int)c->binder->uid : 0,
			       ho_how_names[c->how], c->port);
			TH_LOG("expected %s, got %s",
			       c->expected ? strerror(c->expected) : "success",
			       result_str(res[0]));
		}
	}
}

/*
 * The stock kernel's own rule: a port below the boundary that root bound
 * is not the next holder's without CAP_NET_BIND_SERVICE, whichever way
 * the kernel reuses it.
 */
static const struct ho_case reserved_refused[] = {
	{ HO_BIND, HO_LOW, NULL, &other_creds, HO_BINDX0, EACCES },
	{ HO_BIND, HO_LOW, NULL, &other_creds, HO_BINDX_PORT, EACCES },
	{ HO_BIND, HO_LOW, NULL, &other_creds, HO_CONNECT, EACCES },
	{ HO_BIND, HO_LOW, NULL, &other_creds, HO_CONNECTX, EACCES },
	{ HO_BIND, HO_LOW, NULL, &other_creds, HO_SENDMSG, EACCES },
};

static const struct ho_case reserved_allowed[] = {
	{ HO_BIND, HO_LOW, NULL, &other_cap_creds, HO_BINDX0, 0 },
	{ HO_BIND, HO_LOW, NULL, &other_cap_creds, HO_CONNECT, 0 },
	{ HO_BIND, HO_LOW, NULL, NULL, HO_BINDX0, 0 },
};

TEST_F_TIMEOUT(handover, reserved_port, 300)
{
	struct stats before, after;

	ASSERT_EQ(0, read_stats(&before));
	check_cases(_metadata, &self->base, reserved_refused, ARRAY_SIZE(reserved_refused));
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(variant->type == SOCK_SEQPACKET ? 5 : 4,
		  STATS_DELTA(after, before, denied));
	check_cases(_metadata, &self->base, reserved_allowed, ARRAY_SIZE(reserved_allowed));
}

/* portown's rule: an owned port is its owners', whoever bound it. */
static const struct ho_case owned[] = {
	/* root bound it, or (SCM_RIGHTS only) its owner did */
	{ HO_BIND, HO_OWNED, NULL, &other_creds, HO_BINDX0, EACCES },
	{ HO_BIND, HO_OWNED, &owner_creds, &other_creds, HO_BINDX0, EACCES },
	{ HO_BIND, HO_OWNED, &owner_creds, &other_creds, HO_BINDX_PORT,
	  EACCES },
	{ HO_BIND, HO_OWNED, &owner_creds, &other_creds, HO_CONNECT, EACCES },
	{ HO_BIND, HO_OWNED, &owner_creds, &other_creds, HO_SENDMSG, EACCES },
	{ HO_BIND, HO_OWNED, NULL, &owner_creds, HO_BINDX0, 0 },
	{ HO_BIND, HO_OWNED, NULL, &owner_creds, HO_CONNECTX, 0 },
	{ HO_BIND, HO_OWNED, NULL, &other_cap_creds, HO_BINDX0, 0 },
};

TEST_F_TIMEOUT(handover, owned_port, 300)
{
	check_cases(_metadata, &self->base, owned, ARRAY_SIZE(owned));
}

/* accept() and sctp_peeloff() make sockets that hold the same port. */
static const struct ho_case accepted[] = {
	{ HO_ACCEPTED, HO_LOW, NULL, &other_creds, HO_BINDX0, EACCES },
	{ HO_ACCEPTED, HO_LOW, NULL, &other_cap_creds, HO_BINDX0, 0 },
};

static const struct ho_case peeled_off[] = {
	{ HO_PEELED, HO_LOW, NULL, &other_creds, HO_BINDX0, EACCES },
	{ HO_PEELED, HO_LOW, NULL, &other_cap_creds, HO_BINDX0, 0 },
};

TEST_F_TIMEOUT(handover, accepted_and_peeled_off, 300)
{
	if (variant->type == SOCK_STREAM)
		check_cases(_metadata, &self->base, accepted, ARRAY_SIZE(accepted));
	else
		check_cases(_metadata, &self->base, peeled_off, ARRAY_SIZE(peeled_off));
}

/*
 * A port a caller chose is judged for whoever uses it, also inside
 * ip_local_port_range (32768-60999), where the reserved boundary can
 * reach under portown.
 */
static const struct ho_case chosen_in_range[] = {
	{ HO_BIND, HO_IN_RANGE, NULL, &other_creds, HO_BINDX0, EACCES },
	{ HO_BIND, HO_IN_RANGE, NULL, &other_creds, HO_CONNECT, EACCES },
	{ HO_BIND, HO_IN_RANGE, NULL, &other_creds, HO_SENDMSG, EACCES },
};

TEST_F_TIMEOUT(handover, chosen_in_ephemeral_range, 300)
{
	SET_POLICY("reserved 61000\n");
	check_cases(_metadata, &self->base, chosen_in_range, ARRAY_SIZE(chosen_in_range));
}

/*
 * A port the kernel picked needs nothing: not with the reserved boundary
 * above all of ip_local_port_range, not inside an owned range.
 */
static const struct ho_case autobound[] = {
	{ HO_AUTOBIND, 0, NULL, &other_creds, HO_BINDX0, 0 },
	{ HO_AUTOBIND, 0, NULL, &other_creds, HO_CONNECT, 0 },
	{ HO_AUTOBIND, 0, NULL, &other_creds, HO_CONNECTX, 0 },
	{ HO_AUTOBIND, 0, NULL, &other_creds, HO_SENDMSG, 0 },
	{ HO_AUTOBIND, 0, &third_creds, &other_creds, HO_BINDX0, 0 },
};

TEST_F_TIMEOUT(handover, autobound_port, 300)
{
	SET_POLICY("reserved 61000\n");
	check_cases(_metadata, &self->base, autobound, ARRAY_SIZE(autobound));
	SET_POLICY("reserved 1024\nsctp 1024-65535 uid 1003\n");
	check_cases(_metadata, &self->base, autobound, ARRAY_SIZE(autobound));
}

/* Permissive mode lets through only what the stock kernel would. */
static const struct ho_case permissive[] = {
	{ HO_BIND, HO_LOW, NULL, &other_creds, HO_BINDX0, EACCES },
	{ HO_BIND, HO_LOW, NULL, &other_creds, HO_CONNECT, EACCES },
	{ HO_BIND, HO_OWNED, NULL, &other_creds, HO_BINDX0, 0 },
};

TEST_F_TIMEOUT(handover, permissive, 300)
{
	struct stats before, after;

	SET_ENFORCE(0);
	ASSERT_EQ(0, read_stats(&before));
	check_cases(_metadata, &self->base, permissive, ARRAY_SIZE(permissive));
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(2, STATS_DELTA(after, before, denied));
	EXPECT_EQ(1, STATS_DELTA(after, before, logged));
}

/* ---- one-to-many sockets, no hand-over --------------------------- */

struct assoc2_job {
	int family;
};

/* An unprivileged one-to-many socket makes two associations. */
static void two_assocs_fn(const void *arg, int *res)
{
	const struct assoc2_job *job = arg;
	int fd = sctp_socket(job->family, SOCK_SEQPACKET);

	if (fd < 0) {
		res[0] = R_SOCKET - errno;
		return;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	res[0] = start_assoc(fd, job->family, HO_SENDMSG);
	res[1] = start_assoc(fd, job->family, HO_SENDMSG);
	res[2] = start_assoc(fd, job->family, HO_CONNECTX);
	res[3] = local_port(fd);
	close(fd);
}

struct busy_job {
	int family;
	unsigned short busy;
};

/*
 * A bind of a port the caller owns fails (the port is in use), and the
 * socket is then autobound by its first association: the port the kernel
 * picked is not the one the caller named, and is never judged.
 */
static void failed_bind_fn(const void *arg, int *res)
{
	const struct busy_job *job = arg;
	struct sockaddr_storage ss;
	socklen_t len = set_sockaddr(&ss, job->family, "loopback", job->busy);
	int fd = sctp_socket(job->family, SOCK_SEQPACKET);

	if (fd < 0) {
		res[0] = R_SOCKET - errno;
		return;
	}
	res[0] = bind(fd, (struct sockaddr *)&ss, len) ? errno : 0;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	res[1] = start_assoc(fd, job->family, HO_SENDMSG);
	res[2] = start_assoc(fd, job->family, HO_CONNECTX);
	res[3] = local_port(fd);
	close(fd);
}

/* ---- connect() racing a bind of the same socket ------------------ */

struct race {
	int fd, family;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	pthread_barrier_t go;
	unsigned int delay_us;
	int connect_err;
	bool dropped;
};

/* Drops this thread's credentials only (the raw system calls do). */
static bool drop_thread_creds(void)
{
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_setgroups, 0, NULL) ||
	    syscall(SYS_setresgid, GID_OTHER, GID_OTHER, GID_OTHER) ||
	    syscall(SYS_setresuid, UID_OTHER, UID_OTHER, UID_OTHER) ||
	    capget_raw(data))
		return false;
	return !data[0].effective && !data[1].effective;
}

static void *race_connect(void *arg)
{
	struct race *r = arg;

	r->dropped = drop_thread_creds();
	pthread_barrier_wait(&r->go);
	if (r->delay_us)
		usleep(r->delay_us);
	r->connect_err = connect(r->fd, (struct sockaddr *)&r->peer,
				 r->peer_len) ? errno : 0;
	return NULL;
}

/*
 * root binds the socket to a low port while a thread without the
 * capability connects it: an association from that port must never
 * start. Every other try, connect() waits 1 ms, so that the bind comes
 * first in some tries however the threads are scheduled (under TCG the
 * connecting thread can win every undelayed try); the others race. It
 * runs for 3 s, and on until a bind came first (30 s at most).
 * res: [0] tries, [1] the bind won and connect was refused,
 * [2] violations, [3] setup failures.
 */
static void race_fn(const void *arg, int *res)
{
	const struct assoc2_job *job = arg;
	struct sockaddr_storage ss;
	struct timespec t0, t;
	unsigned short peer;
	socklen_t len;
	pthread_t th;
	struct race r;
	int lfd, bound;

	memset(res, 0, 4 * sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		memset(&r, 0, sizeof(r));
		r.family = job->family;
		r.delay_us = res[0] % 2 ? 1000 : 0;
		lfd = sctp_listener(job->family, SOCK_STREAM, 0, &peer);
		r.fd = sctp_socket(job->family, SOCK_STREAM);
		if (lfd < 0 || r.fd < 0) {
			res[3]++;
			break;
		}
		fcntl(r.fd, F_SETFL, O_NONBLOCK);
		r.peer_len = set_sockaddr(&r.peer, job->family, "loopback",
					  peer);
		len = set_sockaddr(&ss, job->family, "loopback", HO_RACE);
		pthread_barrier_init(&r.go, NULL, 2);
		if (pthread_create(&th, NULL, race_connect, &r)) {
			res[3]++;
			break;
		}
		pthread_barrier_wait(&r.go);
		bind(r.fd, (struct sockaddr *)&ss, len);
		pthread_join(th, NULL);
		pthread_barrier_destroy(&r.go);
		if (!r.dropped) {
			res[3]++;
			break;
		}
		res[0]++;
		bound = local_port(r.fd);
		if (bound == HO_RACE && r.connect_err == EACCES)
			res[1]++;
		else if (bound == HO_RACE &&
			 (!r.connect_err || r.connect_err == EINPROGRESS))
			res[2]++;
		close(r.fd);
		close(lfd);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec < 3 || !res[1]) &&
		 t.tv_sec - t0.tv_sec < 30);
}

/* Sockets of one task, fresh for each test. */
FIXTURE(fresh) {};

FIXTURE_VARIANT(fresh)
{
	int family;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(fresh, ipv4) {
	/* clang-format on */
	.family = AF_INET,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(fresh, ipv6) {
	/* clang-format on */
	.family = AF_INET6,
};

FIXTURE_SETUP(fresh)
{
	int fd;

	if (!portown_setup(_metadata))
		return;
	fd = socket(variant->family, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0 && errno_unsupported(errno))
		SKIP(return, "SCTP is not supported: %s", strerror(errno));
	ASSERT_LE(0, fd);
	close(fd);
	SET_POLICY(EMPTY_POLICY);
}

FIXTURE_TEARDOWN_PARENT(fresh)
{
	portown_teardown(_metadata);
}

TEST_F_TIMEOUT(fresh, connect_races_bind, 120)
{
	struct assoc2_job job = { .family = variant->family };
	int res[MAX_RESULTS];

	ASSERT_EQ(0, run_child(NULL, race_fn, &job, res));
	TH_LOG("%d tries: the bind came first and connect() was refused %d times",
	       res[0], res[1]);
	TH_LOG("%d associations from port %d without the capability",
	       res[2], HO_RACE);
	ASSERT_EQ(0, res[3]);
	EXPECT_EQ(0, res[2]);
	/* The race was run: some binds came first. */
	EXPECT_LT(0, res[1]);
}

TEST_F_TIMEOUT(fresh, autobound_one_to_many, 300)
{
	struct assoc2_job job = { .family = variant->family };
	int res[MAX_RESULTS];

	SET_POLICY("reserved 61000\n");
	ASSERT_EQ(0, run_child(&other_creds, two_assocs_fn, &job, res));
	EXPECT_EQ(0, res[0]) TH_LOG("first: %s", result_str(res[0]));
	EXPECT_EQ(0, res[1]) TH_LOG("second: %s", result_str(res[1]));
	EXPECT_EQ(0, res[2]) TH_LOG("third: %s", result_str(res[2]));
	EXPECT_LT(0, res[3]);
}

TEST_F_TIMEOUT(fresh, failed_bind_then_autobind, 300)
{
	struct busy_job job = { .family = variant->family };
	char policy[128];
	int res[MAX_RESULTS];
	int lfd;

	/* A listener holds a port that the kernel picked for root. */
	lfd = sctp_listener(variant->family, SOCK_STREAM, 0, &job.busy);
	ASSERT_LE(0, lfd);
	snprintf(policy, sizeof(policy), "reserved 61000\nsctp %u uid %d\n",
		 job.busy, UID_OTHER);
	SET_POLICY(policy);
	ASSERT_EQ(0, run_child(&other_creds, failed_bind_fn, &job, res));
	close(lfd);
	EXPECT_EQ(EADDRINUSE, res[0]) TH_LOG("bind: %s", result_str(res[0]));
	EXPECT_EQ(0, res[1]) TH_LOG("first: %s", result_str(res[1]));
	EXPECT_EQ(0, res[2]) TH_LOG("second: %s", result_str(res[2]));
	EXPECT_LT(0, res[3]);
	EXPECT_NE(job.busy, res[3]);
}

TEST_HARNESS_MAIN
