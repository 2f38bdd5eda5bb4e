// SPDX-License-Identifier: GPL-2.0
/*
 * portown_grid: one line per bind attempt over a grid of subjects,
 * operations, protocols, families and ports, for a differential test.
 *
 * The same grid runs on a kernel with portown enforcing an empty policy
 * ("reserved 1024"), in permissive mode, and on the same kernel booted
 * without portown in lsm=; the results must be identical errno for errno
 * (vmtest/results.py grid). The only differences allowed are the cases
 * tagged "xfam", where portown judges an address the socket's current
 * family refuses (IPV6_ADDRFORM could change that family before the
 * protocol's bind): a refused caller then sees EACCES where the stock
 * kernel says EAFNOSUPPORT or EINVAL. Never may portown allow what the
 * stock kernel refuses.
 *
 * Sockets also change hands: bound (or not) under one credential, then
 * used under another, passed over a unix socket or kept across setresuid()
 * ("handover/..." cases, see grid_handover()).
 *
 * Usage: portown_grid [-e 0|1] [-H]   (run as root)
 * With portown active, the policy and mode in force are saved, the empty
 * policy and the given mode (default 1) put in force for the run, and the
 * saved ones restored. -H runs only the hand-over cases (for developers:
 * the grid compares only whole runs). Output: "GRID <case> <result>[ xfam]"
 * lines, then "GRID-END".
 */

/* Only common.h's helpers are used here, not the harness's test runner. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "common.h"
#include "wrappers.h"
#pragma GCC diagnostic pop

#include <linux/io_uring.h>
#include <linux/rxrpc.h>
#include <poll.h>
#include <time.h>

#ifndef IPV6_ADDRFORM
#define IPV6_ADDRFORM 1
#endif

enum subject { S_OWNER, S_OTHER, S_ROOT, S_ROOT_NOCAP, S_USERNS, S_NR };

static const char *const subject_names[S_NR] = {
	"owner", "other", "root", "root-nocap", "userns-root",
};

static const struct creds subject_creds[S_NR] = {
	[S_OWNER] = { .uid = UID_OWNER, .gid = GID_OWNER },
	[S_OTHER] = { .uid = UID_OTHER, .gid = GID_OTHER, .ngroups = 1,
		      .groups = { GID_GROUP } },
	[S_USERNS] = { .uid = UID_OWNER, .gid = GID_OWNER },
};

static void emit(const char *name, int err, bool xfam)
{
	const char *e = err ? strerrorname_np(err) : "OK";
	char buf[16];

	if (err < 0) {
		snprintf(buf, sizeof(buf), "E%d", err);
		e = buf;
	} else if (!e) {
		snprintf(buf, sizeof(buf), "E%d", err);
		e = buf;
	}
	printf("GRID %s %s%s\n", name, e, xfam ? " xfam" : "");
}

/*
 * Become @s; the process is root with all capabilities before, or, for a
 * socket kept across the drop, root without CAP_NET_BIND_SERVICE (not to
 * root then) or owner (only to userns-root).
 */
static int become(enum subject s)
{
	char map[64];

	switch (s) {
	case S_ROOT:
		return 0;
	case S_ROOT_NOCAP:
		return drop_effective_cap(CAP_NET_BIND_SERVICE);
	case S_USERNS:
		/*
		 * From root, or from owner itself (the namespace maps its uid).
		 * Dumpable again, or /proc/self/uid_map stays root's.
		 */
		if ((geteuid() != UID_OWNER &&
		     drop_privileges(&subject_creds[s])) ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) ||
		    unshare(CLONE_NEWUSER))
			return -1;
		snprintf(map, sizeof(map), "0 %d 1", UID_OWNER);
		if (write_file("/proc/self/setgroups", "deny") ||
		    write_file("/proc/self/uid_map", map))
			return -1;
		snprintf(map, sizeof(map), "0 %d 1", GID_OWNER);
		return write_file("/proc/self/gid_map", map) ? -1 : 0;
	default:
		return drop_privileges(&subject_creds[s]);
	}
}

static const struct proto_desc *const protos[] = {
	&proto_tcp, &proto_udp, &proto_udplite, &proto_sctp, &proto_mptcp,
	&proto_dccp,
};

static const unsigned short ports[] = { 0, 80, 1023, 1024, 5000 };

/* How an address is built, on which socket family. */
enum gfam { G_V4, G_V6, G_MAPPED, G_UNSPEC, G_V4_ON_V6, G_UNSPEC_ON_V6, G_NR };

static const char *const gfam_names[G_NR] = {
	"ipv4", "ipv6", "v4mapped", "unspec", "ipv4-on-ipv6", "unspec-on-ipv6",
};

static socklen_t grid_addr(struct sockaddr_storage *ss, enum gfam f,
			   unsigned short port, int *domain)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;

	switch (f) {
	case G_V4:
		*domain = AF_INET;
		return fill_addr(ss, FAM_IPV4, port);
	case G_V6:
		*domain = AF_INET6;
		return fill_addr(ss, FAM_IPV6, port);
	case G_MAPPED:
		*domain = AF_INET6;
		return fill_addr(ss, FAM_V4MAPPED, port);
	case G_UNSPEC:
		*domain = AF_INET;
		return fill_addr(ss, FAM_UNSPEC, port);
	default:
		/* A sockaddr_in in a sockaddr_in6's length, on AF_INET6. */
		*domain = AF_INET6;
		fill_addr(ss, f == G_V4_ON_V6 ? FAM_IPV4 : FAM_UNSPEC, port);
		(void)in4;
		return sizeof(struct sockaddr_in6);
	}
}

static int sock_err(int fd)
{
	return fd < 0 ? R_SOCKET - errno : 0;
}

static void grid_bind(enum subject s)
{
	size_t p, i;
	enum gfam f;
	char name[128];

	for (p = 0; p < ARRAY_SIZE(protos); p++) {
		for (f = 0; f < G_NR; f++) {
			for (i = 0; i < ARRAY_SIZE(ports); i++) {
				struct sockaddr_storage ss;
				socklen_t len;
				int domain, fd, err, zero = 0;

				len = grid_addr(&ss, f, ports[i], &domain);
				fd = socket(domain, protos[p]->type | SOCK_CLOEXEC,
					    protos[p]->protocol);
				err = sock_err(fd);
				if (!err && f == G_MAPPED)
					setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
						   &zero, sizeof(zero));
				if (!err)
					err = bind(fd, (struct sockaddr *)&ss,
						   len) ? errno : 0;
				if (fd >= 0)
					close(fd);
				snprintf(name, sizeof(name), "%s/bind/%s/%s/%u",
					 subject_names[s], protos[p]->name,
					 gfam_names[f], ports[i]);
				emit(name, err, f >= G_V4_ON_V6);
			}
		}
	}
}

/* ---- io_uring ---------------------------------------------------- */

static void grid_io_uring(enum subject s)
{
	static const enum gfam fams[] = { G_V4, G_V6, G_V4_ON_V6 };
	struct uring r = {};
	int ret = uring_init(&r);
	size_t p, i, f;
	char name[128];

	for (p = 0; p < 2; p++) {
		for (f = 0; f < ARRAY_SIZE(fams); f++) {
			for (i = 1; i < ARRAY_SIZE(ports); i++) {
				struct sockaddr_storage ss;
				socklen_t len;
				int domain, fd, err = ret;

				len = grid_addr(&ss, fams[f], ports[i], &domain);
				if (!err) {
					fd = socket(domain, protos[p]->type,
						    protos[p]->protocol);
					err = sock_err(fd);
					if (!err) {
						err = uring_bind(&r, fd, &ss, len,
								 false);
						close(fd);
					}
				}
				snprintf(name, sizeof(name),
					 "%s/io_uring-bind/%s/%s/%u",
					 subject_names[s], protos[p]->name,
					 gfam_names[fams[f]], ports[i]);
				emit(name, err, fams[f] == G_V4_ON_V6);
			}
		}
	}
	if (!ret)
		close(r.fd);
}

/* ---- SCTP -------------------------------------------------------- */

static socklen_t loopback(struct sockaddr_storage *ss, int domain,
			  unsigned short port)
{
	socklen_t len = fill_addr(ss, domain == AF_INET ? FAM_IPV4 : FAM_IPV6,
				  port);

	if (domain == AF_INET)
		((struct sockaddr_in *)ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return len;
}

static void grid_bindx(enum subject s)
{
	static const int domains[] = { AF_INET, AF_INET6 };
	char name[128], buf[64];
	size_t d, i, n;

	for (d = 0; d < ARRAY_SIZE(domains); d++) {
		for (i = 1; i < ARRAY_SIZE(ports); i++) {
			for (n = 1; n <= 2; n++) {
				struct sockaddr_storage ss;
				socklen_t len;
				int fd, err;

				/* One address, or 127.0.0.1 and the socket's own loopback. */
				len = loopback(&ss, AF_INET, ports[i]);
				memcpy(buf, &ss, len);
				if (n == 2) {
					socklen_t l2 = loopback(&ss, domains[d],
								ports[i]);

					memcpy(buf + len, &ss, l2);
					len += l2;
				}
				fd = socket(domains[d], SOCK_STREAM, IPPROTO_SCTP);
				err = sock_err(fd);
				if (!err) {
					err = setsockopt(fd, IPPROTO_SCTP,
							 SCTP_SOCKOPT_BINDX_ADD,
							 buf, len) ? errno : 0;
					close(fd);
				}
				snprintf(name, sizeof(name),
					 "%s/sctp_bindx/%s/%zu-addrs/%u",
					 subject_names[s],
					 domains[d] == AF_INET ? "ipv4" : "ipv6",
					 n, ports[i]);
				emit(name, err, false);
			}
		}
	}
}

enum aop { A_CONNECT, A_CONNECTX, A_SENDMSG, A_NR };

static const char *const aop_names[A_NR] = {
	"sctp-connect", "sctp-connectx", "sctp-sendmsg",
};

/*
 * Starts an association from the non-blocking SCTP socket @fd to @ss: 0, the
 * errno of the call, or, when it only started (EINPROGRESS), the
 * association's own error once the socket is writable.
 */
static int assoc_start(int fd, enum aop op, const struct sockaddr_storage *ss,
		       socklen_t len)
{
	const struct sockaddr *sa = (const struct sockaddr *)ss;
	int ret;

	if (op == A_CONNECT)
		ret = connect(fd, sa, len);
	else if (op == A_CONNECTX)
		ret = setsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX, sa,
				 len) < 0 ? -1 : 0;
	else
		ret = sendto(fd, "x", 1, 0, sa, len) == 1 ? 0 : -1;
	ret = ret ? errno : 0;
	/* Non-blocking: started; the result is the association's. */
	if (ret == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		socklen_t elen = sizeof(ret);

		if (poll(&p, 1, 20000) != 1)
			ret = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &ret, &elen))
			ret = R_MISC - errno;
	}
	return ret;
}

static int listen_sctp(int domain)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(&ss, domain, 0);
	int fd = socket(domain, SOCK_STREAM, IPPROTO_SCTP);

	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * Root makes a listener (a new peer for each case: an association between
 * the addresses and ports of one just closed meets its remains), binds
 * (unless port 0), becomes the subject, then starts an association: the
 * result goes through a pipe.
 */
static int assoc_case(enum subject s, int domain, enum aop op,
		      unsigned short port)
{
	struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage ss;
	int pfd[2], status, result = R_UNSET, one = 1;
	socklen_t len;
	pid_t pid;

	if (pipe(pfd))
		return R_MISC - errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return R_MISC - errno;
	if (!pid) {
		int fd, ret, peer;

		close(pfd[0]);
		peer = listen_sctp(domain);
		fd = socket(domain, (op == A_SENDMSG ? SOCK_SEQPACKET :
						      SOCK_STREAM) | SOCK_NONBLOCK,
			    IPPROTO_SCTP);
		ret = sock_err(fd);
		if (!ret && peer < 0)
			ret = R_MISC - errno;
		if (!ret) {
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				   sizeof(one));
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
				   sizeof(abort_close));
			len = loopback(&ss, domain, port);
			if (port && bind(fd, (struct sockaddr *)&ss, len))
				ret = R_MISC - errno;
		}
		if (!ret && become(s))
			ret = R_PRIV;
		if (!ret) {
			len = loopback(&ss, domain, peer);
			ret = assoc_start(fd, op, &ss, len);
		}
		if (write(pfd[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &result, sizeof(result)) != sizeof(result))
		result = R_UNSET;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return result;
}

static void grid_assoc(enum subject s)
{
	static const int domains[] = { AF_INET, AF_INET6 };
	char name[128];
	size_t d, i;
	enum aop op;

	for (d = 0; d < ARRAY_SIZE(domains); d++)
		for (op = 0; op < A_NR; op++)
			for (i = 0; i < ARRAY_SIZE(ports); i++) {
				/* A port of its own for each, to bind afresh. */
				unsigned short port = ports[i] ?
					ports[i] + (ports[i] >= 1024 ?
						    100 * s + 10 * d + op : 0) :
					0;

				snprintf(name, sizeof(name), "%s/%s/%s/%u",
					 subject_names[s], aop_names[op],
					 domains[d] == AF_INET ? "ipv4" : "ipv6",
					 ports[i]);
				emit(name, assoc_case(s, domains[d], op, port),
				     false);
			}
}

/* ---- AF_RXRPC, IPV6_ADDRFORM, SO_REUSEPORT ---------------------- */

static void grid_rxrpc(enum subject s)
{
	static const struct {
		const char *name;
		int sock, transport;
		bool xfam;
	} kinds[] = {
		{ "udp4", AF_INET, AF_INET, false },
		{ "udp6", AF_INET6, AF_INET6, false },
		{ "udp6-on-udp4", AF_INET, AF_INET6, true },
	};
	char name[128];
	size_t k, i;

	/*
	 * rxrpc closes its UDP socket later, from a thread, and an IPv6 one
	 * is dual-stack: each bind that may succeed gets a port of its own,
	 * below 1024 or above, and the name says which.
	 */
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		for (i = 0; i < 3; i++) {
			unsigned short port = i == 0 ? 0 :
					      i == 1 ? 200 + 10 * s + k :
					      3000 + 10 * s + k;
			struct sockaddr_rxrpc srx = {
				.srx_family = AF_RXRPC,
				.transport_type = SOCK_DGRAM,
			};
			int fd, err;

			if (kinds[k].transport == AF_INET) {
				srx.transport_len = sizeof(srx.transport.sin);
				srx.transport.sin.sin_family = AF_INET;
				srx.transport.sin.sin_port = htons(port);
			} else {
				srx.transport_len = sizeof(srx.transport.sin6);
				srx.transport.sin6.sin6_family = AF_INET6;
				srx.transport.sin6.sin6_port = htons(port);
			}
			fd = socket(AF_RXRPC, SOCK_DGRAM, kinds[k].sock);
			err = sock_err(fd);
			if (!err) {
				err = bind(fd, (struct sockaddr *)&srx,
					   sizeof(srx)) ? errno : 0;
				close(fd);
			}
			snprintf(name, sizeof(name), "%s/rxrpc-bind/%s/%s",
				 subject_names[s], kinds[k].name,
				 i == 0 ? "0" : i == 1 ? "low" : "high");
			emit(name, err, kinds[k].xfam);
		}
	}
}

static void grid_addrform(enum subject s)
{
	static const struct proto_desc *const ps[] = { &proto_tcp, &proto_udp };
	char name[128];
	size_t p, i;

	for (p = 0; p < ARRAY_SIZE(ps); p++) {
		for (i = 1; i < ARRAY_SIZE(ports); i++) {
			struct sockaddr_storage ss;
			struct sockaddr sa = { .sa_family = AF_UNSPEC };
			int fd, lfd = -1, err, v = AF_INET;
			unsigned short peer = 9;
			socklen_t len;

			if (ps[p]->type == SOCK_STREAM) {
				lfd = socket(AF_INET, SOCK_STREAM, 0);
				len = loopback(&ss, AF_INET, 0);
				if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, len) ||
				    listen(lfd, 4) ||
				    getsockname(lfd, (struct sockaddr *)&ss, &len))
					peer = 0;
				else
					peer = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			}
			fd = socket(AF_INET6, ps[p]->type, ps[p]->protocol);
			err = sock_err(fd);
			if (!err) {
				len = fill_addr(&ss, FAM_V4MAPPED, peer);
				((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr[12] = 127;
				((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr[15] = 1;
				if (connect(fd, (struct sockaddr *)&ss, len) ||
				    setsockopt(fd, IPPROTO_IPV6, IPV6_ADDRFORM,
					       &v, sizeof(v)) ||
				    connect(fd, &sa, sizeof(sa)))
					err = R_MISC - errno;
			}
			if (!err) {
				len = fill_addr(&ss, FAM_IPV4, ports[i]);
				err = bind(fd, (struct sockaddr *)&ss, len) ?
				      errno : 0;
			}
			if (fd >= 0)
				close(fd);
			if (lfd >= 0)
				close(lfd);
			snprintf(name, sizeof(name), "%s/addrform-bind/%s/%u",
				 subject_names[s], ps[p]->name, ports[i]);
			emit(name, err, false);
		}
	}
}

/* Root holds a SO_REUSEPORT socket on each of these; subjects join. */
static const unsigned short reuse_ports[] = { 90, 5100 };

static void grid_reuseport(enum subject s)
{
	static const struct proto_desc *const ps[] = { &proto_tcp, &proto_udp };
	char name[128];
	size_t p, i;

	for (p = 0; p < ARRAY_SIZE(ps); p++) {
		for (i = 0; i < ARRAY_SIZE(reuse_ports); i++) {
			struct sockaddr_storage ss;
			int fd, err, one = 1;
			socklen_t len = fill_addr(&ss, FAM_IPV4, reuse_ports[i]);

			fd = socket(AF_INET, ps[p]->type, ps[p]->protocol);
			err = sock_err(fd);
			if (!err) {
				setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
					   sizeof(one));
				err = bind(fd, (struct sockaddr *)&ss, len) ?
				      errno : 0;
				close(fd);
			}
			snprintf(name, sizeof(name), "%s/reuseport-join/%s/%u",
				 subject_names[s], ps[p]->name, reuse_ports[i]);
			emit(name, err, false);
		}
	}
}

static int hold_reuseport(int *fds)
{
	static const struct proto_desc *const ps[] = { &proto_tcp, &proto_udp };
	size_t p, i;
	int n = 0, one = 1;

	for (p = 0; p < ARRAY_SIZE(ps); p++) {
		for (i = 0; i < ARRAY_SIZE(reuse_ports); i++) {
			struct sockaddr_storage ss;
			socklen_t len = fill_addr(&ss, FAM_IPV4, reuse_ports[i]);
			int fd = socket(AF_INET, ps[p]->type, ps[p]->protocol);

			if (fd < 0 ||
			    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
				       sizeof(one)) ||
			    bind(fd, (struct sockaddr *)&ss, len))
				return -1;
			fds[n++] = fd;
		}
	}
	return n;
}

/* ---- sockets that change hands ----------------------------------- */

/*
 * A socket made, and perhaps bound or connected, by one subject (the
 * binder) is used by another (the user): passed over a unix socket
 * (SCM_RIGHTS, "scm"), or kept by the binder's own process across its drop
 * to the user's credentials ("setuid"). Each line
 * "GRID handover/<how>/<binder>-><user>/<socket>/<op>-<state>" is one
 * operation of the user on a socket of its own that the binder left in
 * <state>:
 *   unbound     as socket() made it
 *   low, high   bound to a port below 1024 (root only), or above (SCTP: to
 *               the loopback address; TCP, UDP: the wildcard)
 *   auto        SCTP: bound to port 0, a port the kernel chose
 *   conn        TCP, UDP: connected, so autobound; lowconn: bound low first
 *   mapped      TCP, UDP on IPv6: connected to ::ffff:127.0.0.1;
 *               lowmapped: bound low first
 * and <op>:
 *   bind0, bind-low, bind-high   bind(2) to port 0, a fresh port below 1024,
 *                                a fresh one above
 *   bindx0, bindx-port, bindx-low
 *               sctp_bindx() of a new address (127.0.0.2; ::1 for IPv6
 *               sockets, whose endpoint the binder bound to 127.0.0.1) with
 *               port 0, the endpoint's port, a fresh port below 1024
 *   listen, connect, connectx, sendmsg
 *               SCTP: connect(2), sctp_connectx(), sendto() to a fresh
 *               listener start an association; TCP, UDP: connect(2) to a
 *               listener, to port 9
 *   unspec-bind*    connect(AF_UNSPEC), then bind(2) as above
 *   addrform-bind*  IPV6_ADDRFORM to AF_INET, connect(AF_UNSPEC), bind(2)
 * The stock kernel checks CAP_NET_BIND_SERVICE of the task making the call,
 * never of the binder: in __inet_bind() and __inet6_bind() before anything
 * else, in sctp_do_bind() (for the endpoint's port when the address has
 * none) after the address and port checks, in sctp_connect_new_asoc() for
 * a bound port. sctp_bind() refuses a bound endpoint with EINVAL first.
 */

enum hmethod { M_SCM, M_SETUID, M_NR };

static const char *const hmethod_names[M_NR] = { "scm", "setuid" };

/* Port spaces: a case's ports are its own within its pair's window. */
enum hspace { SP_TCP, SP_UDP, SP_SCTP, SP_NR };

static const struct hkind {
	const char *name;
	int domain, type, protocol;
	enum hspace space;
} hkinds[] = {
	{ "tcp4", AF_INET, SOCK_STREAM, IPPROTO_TCP, SP_TCP },
	{ "tcp6", AF_INET6, SOCK_STREAM, IPPROTO_TCP, SP_TCP },
	{ "udp4", AF_INET, SOCK_DGRAM, IPPROTO_UDP, SP_UDP },
	{ "udp6", AF_INET6, SOCK_DGRAM, IPPROTO_UDP, SP_UDP },
	{ "sctp4-stream", AF_INET, SOCK_STREAM, IPPROTO_SCTP, SP_SCTP },
	{ "sctp6-stream", AF_INET6, SOCK_STREAM, IPPROTO_SCTP, SP_SCTP },
	{ "sctp4-seqpacket", AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, SP_SCTP },
	{ "sctp6-seqpacket", AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP, SP_SCTP },
};

/* What the binder left the socket as. */
enum hstate {
	H_UNBOUND,	/* as socket() made it */
	H_LOW,		/* bound to a port below 1024 (root) */
	H_HIGH,		/* bound to a port above */
	H_AUTO,		/* SCTP: bound to port 0, the kernel's choice */
	H_CONN,		/* TCP, UDP: connected, so autobound */
	H_LOW_CONN,	/* bound below 1024, then connected */
	H_MAPPED,	/* TCP, UDP on IPv6: connected to ::ffff:127.0.0.1 */
	H_LOW_MAPPED,	/* bound below 1024, then that */
	H_NR
};

/* No '-' in a state's name: it is the last field of "<op>-<state>". */
static const char *const hstate_names[H_NR] = {
	"unbound", "low", "high", "auto", "conn", "lowconn", "mapped",
	"lowmapped",
};

enum hop {
	O_BIND0, O_BIND_LOW, O_BIND_HIGH,
	O_BINDX0, O_BINDX_PORT, O_BINDX_LOW,
	O_LISTEN, O_CONNECT, O_CONNECTX, O_SENDMSG,
	O_UNSPEC0, O_UNSPEC_LOW, O_UNSPEC_HIGH,
	O_ADDRFORM0, O_ADDRFORM_LOW, O_ADDRFORM_HIGH,
	O_NR
};

static const char *const hop_names[O_NR] = {
	"bind0", "bind-low", "bind-high",
	"bindx0", "bindx-port", "bindx-low",
	"listen", "connect", "connectx", "sendmsg",
	"unspec-bind0", "unspec-bind-low", "unspec-bind-high",
	"addrform-bind0", "addrform-bind-low", "addrform-bind-high",
};

static bool hstate_low(enum hstate s)
{
	return s == H_LOW || s == H_LOW_CONN || s == H_LOW_MAPPED;
}

static bool hop_low(enum hop o)
{
	return o == O_BIND_LOW || o == O_BINDX_LOW || o == O_UNSPEC_LOW ||
	       o == O_ADDRFORM_LOW;
}

static bool hop_high(enum hop o)
{
	return o == O_BIND_HIGH || o == O_UNSPEC_HIGH || o == O_ADDRFORM_HIGH;
}

static bool hop_assoc(const struct hkind *k, enum hop o)
{
	return k->space == SP_SCTP &&
	       (o == O_CONNECT || o == O_CONNECTX || o == O_SENDMSG);
}

/*
 * Whether the user does @o on a @k socket in state @s. An SCTP association
 * that starts is the one expensive case (a handshake under TCG), so from an
 * endpoint anyone may use (unbound, high, auto) there is one per socket kind
 * and only in @sample pairs; from a port below 1024 every way of starting
 * one is tried, as only a holder of CAP_NET_BIND_SERVICE gets that far.
 */
static bool hand_valid(const struct hkind *k, enum hstate s, enum hop o,
		       bool sample)
{
	bool sctp = k->space == SP_SCTP, plain = s <= H_AUTO;

	if (s == H_AUTO && !sctp)
		return false;
	if ((s == H_CONN || s == H_LOW_CONN) && sctp)
		return false;
	if ((s == H_MAPPED || s == H_LOW_MAPPED) &&
	    (sctp || k->domain != AF_INET6))
		return false;

	switch (o) {
	case O_BIND0:
	case O_BIND_LOW:
	case O_BIND_HIGH:
		return plain;
	case O_LISTEN:
		return plain && k->space != SP_UDP;
	case O_BINDX0:
	case O_BINDX_LOW:
		return plain && sctp;
	case O_BINDX_PORT:
		return plain && sctp && s != H_UNBOUND;
	case O_CONNECT:
	case O_CONNECTX:
	case O_SENDMSG:
		if (!plain || (!sctp && o != O_CONNECT) ||
		    (o == O_SENDMSG && k->type != SOCK_SEQPACKET))
			return false;
		if (!sctp || s == H_LOW)
			return true;
		return sample &&
		       o == (k->type == SOCK_STREAM ? O_CONNECT : O_SENDMSG);
	case O_UNSPEC0:
	case O_UNSPEC_LOW:
	case O_UNSPEC_HIGH:
		return s == H_CONN || s == H_LOW_CONN;
	default:
		return s == H_MAPPED || s == H_LOW_MAPPED;
	}
}

struct hitem {
	unsigned char kind, state, op;
	unsigned short bport;	/* the binder's port, 0: none or kernel's */
	unsigned short uport;	/* the port the user names, 0: none */
	unsigned short peer;	/* SCTP: this case's own listener */
};

#define HAND_MAX 256

/*
 * Ports: each pair of subjects has a window of low ports per port space and
 * one of high ports, eight windows in turn, so that a case never meets what
 * an earlier one left behind (SCTP frees a port when its last association
 * is gone, not at close). Every socket is closed with an abort.
 */
#define HAND_WINDOWS 8
#define HAND_LOW_BASE 300	/* 300-939: no other part of the grid */
#define HAND_LOW_WINDOW 80
#define HAND_HIGH_BASE 20000	/* 20000-27999, below the ephemeral range */
#define HAND_HIGH_WINDOW 1000

struct hpair {
	enum hmethod m;
	enum subject b, u;
	bool sample;		/* with associations from usable endpoints */
};

/* The cases of a pair, in their order, with their ports. */
static size_t hand_items(struct hitem *items, const struct hpair *hp,
			 unsigned int window)
{
	unsigned int low[SP_NR], high, top;
	size_t k, n = 0;
	enum hstate s;
	enum hop o;

	window %= HAND_WINDOWS;
	for (k = 0; k < SP_NR; k++)
		low[k] = HAND_LOW_BASE + window * HAND_LOW_WINDOW;
	top = HAND_LOW_BASE + (window + 1) * HAND_LOW_WINDOW;
	high = HAND_HIGH_BASE + window * HAND_HIGH_WINDOW;

	for (k = 0; k < ARRAY_SIZE(hkinds); k++) {
		enum hspace sp = hkinds[k].space;

		for (s = 0; s < H_NR; s++) {
			if (hstate_low(s) && hp->b != S_ROOT)
				continue;
			for (o = 0; o < O_NR; o++) {
				struct hitem *it = &items[n];

				if (!hand_valid(&hkinds[k], s, o, hp->sample))
					continue;
				if (n == HAND_MAX)
					abort();
				memset(it, 0, sizeof(*it));
				it->kind = k;
				it->state = s;
				it->op = o;
				if (hstate_low(s))
					it->bport = low[sp]++;
				else if (s == H_HIGH)
					it->bport = high++;
				if (hop_low(o))
					it->uport = low[sp]++;
				else if (hop_high(o))
					it->uport = high++;
				if (low[sp] > top)
					abort();
				n++;
			}
		}
	}
	return n;
}

/* A listener on the loopback address of @domain: its fd, or -errno. */
static int hand_listener(int domain, int protocol, unsigned short *port)
{
	struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage ss;
	socklen_t len = set_sockaddr(&ss, domain, "loopback", 0);
	int fd, ret;

	fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
		       sizeof(abort_close)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = local_port(fd);
	if (ret <= 0) {
		close(fd);
		return ret < 0 ? ret : -EINVAL;
	}
	*port = ret;
	return fd;
}

/* The TCP listeners every pair's TCP sockets connect to. */
struct hpeers {
	unsigned short tcp4, tcp6;
};

/*
 * The v6 SCTP endpoints of the sctp_bindx cases are bound to 127.0.0.1, so
 * that the address the user adds, ::1, is an AF_INET6 one; the v4 ones add
 * 127.0.0.2.
 */
static bool hitem_v4_endpoint(const struct hitem *it)
{
	return hkinds[it->kind].space == SP_SCTP &&
	       (it->op == O_BINDX0 || it->op == O_BINDX_PORT ||
		it->op == O_BINDX_LOW);
}

/* The binder's part: a socket in the item's state, or R_* - errno. */
static int hand_prep(const struct hitem *it, const struct hpeers *p,
		     int *eport)
{
	struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	const struct hkind *k = &hkinds[it->kind];
	bool sctp = k->space == SP_SCTP;
	struct sockaddr_storage ss;
	int fd, ret, family;
	socklen_t len;

	*eport = 0;
	fd = socket(k->domain, k->type | SOCK_CLOEXEC | (sctp ? SOCK_NONBLOCK : 0),
		    k->protocol);
	if (fd < 0)
		return R_SOCKET - errno;
	if (k->space != SP_UDP &&
	    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
		       sizeof(abort_close)))
		goto fail;
	if (it->state == H_LOW || it->state == H_HIGH || it->state == H_AUTO ||
	    it->state == H_LOW_CONN || it->state == H_LOW_MAPPED) {
		family = hitem_v4_endpoint(it) ? AF_INET : k->domain;
		len = set_sockaddr(&ss, family, sctp ? "loopback" : "any",
				   it->bport);
		if (bind(fd, (struct sockaddr *)&ss, len))
			goto fail;
		ret = local_port(fd);
		if (ret < 0) {
			close(fd);
			return ret;
		}
		*eport = ret;
	}
	if (it->state >= H_CONN) {
		bool mapped = it->state >= H_MAPPED;
		unsigned short peer = k->space == SP_UDP ? 9 :
				      k->domain == AF_INET || mapped ?
				      p->tcp4 : p->tcp6;

		len = set_sockaddr(&ss, k->domain,
				   mapped ? "mapped-loopback" : "loopback",
				   peer);
		if (connect(fd, (struct sockaddr *)&ss, len))
			goto fail;
	}
	return fd;
fail:
	ret = R_MISC - errno;
	close(fd);
	return ret;
}

/* The user's part: the result of the item's operation on @fd. */
static int hand_use(const struct hitem *it, int fd, int eport,
		    const struct hpeers *p)
{
	static const enum aop aops[] = {
		[O_CONNECT] = A_CONNECT, [O_CONNECTX] = A_CONNECTX,
		[O_SENDMSG] = A_SENDMSG,
	};
	const struct hkind *k = &hkinds[it->kind];
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_storage ss;
	int family = k->domain, v4 = AF_INET;
	socklen_t len;

	if (it->op >= O_UNSPEC0 && it->op <= O_UNSPEC_HIGH) {
		if (connect(fd, &unspec, sizeof(unspec)))
			return R_MISC - errno;
	} else if (it->op >= O_ADDRFORM0) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADDRFORM, &v4, sizeof(v4)) ||
		    connect(fd, &unspec, sizeof(unspec)))
			return R_MISC - errno;
		family = AF_INET;
	}

	switch (it->op) {
	case O_LISTEN:
		return listen(fd, 4) ? errno : 0;
	case O_BINDX0:
	case O_BINDX_PORT:
	case O_BINDX_LOW:
		len = set_sockaddr(&ss, family, "loopback",
				   it->op == O_BINDX_PORT ? eport : it->uport);
		if (family == AF_INET)	/* 127.0.0.2; ::1 for IPv6 */
			((struct sockaddr_in *)&ss)->sin_addr.s_addr =
				htonl(INADDR_LOOPBACK + 1);
		return setsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, &ss,
				  len) ? errno : 0;
	case O_CONNECT:
	case O_CONNECTX:
	case O_SENDMSG:
		if (hop_assoc(k, it->op)) {
			if (!it->peer)
				return R_MISC - ENOTCONN;
			len = set_sockaddr(&ss, family, "loopback", it->peer);
			return assoc_start(fd, aops[it->op], &ss, len);
		}
		len = set_sockaddr(&ss, family, "loopback",
				   k->space == SP_UDP ? 9 :
				   family == AF_INET ? p->tcp4 : p->tcp6);
		return connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
	default:
		len = set_sockaddr(&ss, family,
				   k->space == SP_SCTP ? "loopback" : "any",
				   it->uport);
		return bind(fd, (struct sockaddr *)&ss, len) ? errno : 0;
	}
}

/* What the binder sends for each case, with the socket unless @res. */
struct hmsg {
	int idx, res, eport;
};

static int hand_send(int sock, const struct hmsg *m, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
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
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == sizeof(*m) ? 0 : -1;
}

/* Receives until the binder is done: fds[], eport[], res[] of failures. */
static void hand_recv(int sock, size_t n, int *fds, int *eport, int *res)
{
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct hmsg m;
		struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cmsg;
		int fd = -1;

		if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(m) ||
		    m.idx < 0 || (size_t)m.idx >= n)
			return;
		cmsg = CMSG_FIRSTHDR(&msg);
		if (cmsg && cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_RIGHTS &&
		    cmsg->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
		fds[m.idx] = fd;
		eport[m.idx] = m.eport;
		if (fd < 0)
			res[m.idx] = m.res ? m.res : R_MISC - EBADMSG;
	}
}

static void hand_fill(int *res, size_t n, int r)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (res[i] == R_UNSET)
			res[i] = r;
}

/*
 * One pair, in a process of its own that starts as root: the listeners,
 * then the binder's sockets and the user's operations, results in res[].
 */
static void hand_run(const struct hpair *hp, struct hitem *items, size_t n,
		     int *res)
{
	int fds[HAND_MAX], eport[HAND_MAX], sv[2], fd, status;
	struct hpeers peers;
	size_t i;
	pid_t pid;

	/* Peers, as root: a fresh SCTP listener for each association. */
	if (hand_listener(AF_INET, IPPROTO_TCP, &peers.tcp4) < 0 ||
	    hand_listener(AF_INET6, IPPROTO_TCP, &peers.tcp6) < 0)
		return hand_fill(res, n, R_MISC - errno);
	for (i = 0; i < n; i++)
		if (hop_assoc(&hkinds[items[i].kind], items[i].op) &&
		    hand_listener(hkinds[items[i].kind].domain, IPPROTO_SCTP,
				  &items[i].peer) < 0)
			items[i].peer = 0;
	for (i = 0; i < n; i++)
		fds[i] = -1;

	if (hp->m == M_SETUID) {
		if (become(hp->b))
			return hand_fill(res, n, R_PRIV);
		for (i = 0; i < n; i++) {
			fds[i] = hand_prep(&items[i], &peers, &eport[i]);
			if (fds[i] < 0)
				res[i] = fds[i];
		}
		if (become(hp->u))
			return hand_fill(res, n, R_PRIV);
		for (i = 0; i < n; i++)
			if (fds[i] >= 0)
				res[i] = hand_use(&items[i], fds[i], eport[i],
						  &peers);
		return;
	}

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return hand_fill(res, n, R_MISC - errno);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return hand_fill(res, n, R_MISC - errno);
	if (!pid) {
		/* The user: itself before anything arrives. */
		close(sv[0]);
		if (become(hp->u)) {
			hand_fill(res, n, R_PRIV);
			_exit(1);
		}
		hand_recv(sv[1], n, fds, eport, res);
		for (i = 0; i < n; i++)
			if (fds[i] >= 0)
				res[i] = hand_use(&items[i], fds[i], eport[i],
						  &peers);
		_exit(0);
	}
	close(sv[1]);
	if (become(hp->b)) {
		hand_fill(res, n, R_PRIV);
	} else {
		for (i = 0; i < n; i++) {
			struct hmsg m = { .idx = i };

			fd = hand_prep(&items[i], &peers, &m.eport);
			m.res = fd < 0 ? fd : 0;
			if (hand_send(sv[0], &m, fd))
				break;
			if (fd >= 0)
				close(fd);
		}
	}
	close(sv[0]);
	waitpid(pid, &status, 0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every pair: returns 0, or -1 when a pair's process did not finish. */
static int grid_handover(void)
{
	static const enum subject binders[] = {
		S_ROOT, S_OWNER, S_ROOT_NOCAP, S_USERNS,
	};
	/* Only a drop: become() goes down from the binder. */
	static const struct hpair setuid_pairs[] = {
		{ M_SETUID, S_ROOT, S_OWNER, false },
		{ M_SETUID, S_ROOT, S_OTHER, true },
		{ M_SETUID, S_ROOT, S_ROOT_NOCAP, false },
		{ M_SETUID, S_ROOT, S_USERNS, false },
		{ M_SETUID, S_ROOT_NOCAP, S_OWNER, false },
		{ M_SETUID, S_ROOT_NOCAP, S_OTHER, true },
		{ M_SETUID, S_ROOT_NOCAP, S_USERNS, false },
		{ M_SETUID, S_OWNER, S_USERNS, true },
	};
	struct hpair pairs[ARRAY_SIZE(binders) * S_NR + ARRAY_SIZE(setuid_pairs)];
	size_t np = 0, cases = 0, assocs = 0, b, i;
	double start = now();
	enum subject u;
	int ret = 0;

	/*
	 * Over a unix socket, to every other subject, and root to itself:
	 * the sample pair of a binder is root's socket passed to other, and
	 * any other binder's passed to root.
	 */
	for (b = 0; b < ARRAY_SIZE(binders); b++)
		for (u = 0; u < S_NR; u++)
			if (u != binders[b] || u == S_ROOT)
				pairs[np++] = (struct hpair){
					M_SCM, binders[b], u,
					u == (binders[b] == S_ROOT ? S_OTHER :
								     S_ROOT),
				};
	for (i = 0; i < ARRAY_SIZE(setuid_pairs); i++)
		pairs[np++] = setuid_pairs[i];

	for (i = 0; i < np; i++) {
		struct hitem items[HAND_MAX];
		const struct hpair *hp = &pairs[i];
		size_t n = hand_items(items, hp, i), j;
		int *res, status;
		char name[160];
		pid_t pid;

		res = mmap(NULL, HAND_MAX * sizeof(int), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (res == MAP_FAILED)
			return -1;
		for (j = 0; j < n; j++)
			res[j] = R_UNSET;
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			return -1;
		if (!pid) {
			hand_run(hp, items, n, res);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			printf("# handover %s %s->%s: process failed\n",
			       hmethod_names[hp->m], subject_names[hp->b],
			       subject_names[hp->u]);
			ret = -1;
		}
		for (j = 0; j < n; j++) {
			assocs += hop_assoc(&hkinds[items[j].kind], items[j].op) &&
				  !res[j];
			snprintf(name, sizeof(name), "handover/%s/%s->%s/%s/%s-%s",
				 hmethod_names[hp->m], subject_names[hp->b],
				 subject_names[hp->u], hkinds[items[j].kind].name,
				 hop_names[items[j].op],
				 hstate_names[items[j].state]);
			emit(name, res[j], false);
		}
		munmap(res, HAND_MAX * sizeof(int));
		cases += n;
	}
	printf("# handover: %zu cases, %zu pairs, %zu SCTP associations started, %.1f s\n",
	       cases, np, assocs, now() - start);
	return ret;
}

int main(int argc, char **argv)
{
	const char *enforce = "1";
	/* held[] stays open until exit: root's SO_REUSEPORT sockets. */
	int held[8], ret, opt, hret;
	bool handover_only = false;
	double start;
	enum subject s;

	while ((opt = getopt(argc, argv, "e:H")) != -1) {
		if (opt == 'H') {
			handover_only = true;
			continue;
		}
		if (opt != 'e' || (strcmp(optarg, "0") && strcmp(optarg, "1"))) {
			fprintf(stderr, "usage: %s [-e 0|1] [-H]\n", argv[0]);
			return 2;
		}
		enforce = optarg;
	}
	if (geteuid()) {
		fprintf(stderr, "portown_grid: must run as root\n");
		return 2;
	}
	if (portown_active()) {
		if (!portown_saved.saved || portown_locked() ||
		    write_file(PORTOWN_POLICY, EMPTY_POLICY) ||
		    write_file(PORTOWN_ENFORCE, enforce)) {
			fprintf(stderr, "portown_grid: cannot load the empty policy\n");
			return 1;
		}
		printf("# portown active: empty policy, enforce=%s\n", enforce);
	} else {
		printf("# portown not active\n");
	}

	if (hold_reuseport(held) < 0) {
		fprintf(stderr, "portown_grid: cannot hold the SO_REUSEPORT sockets: %s\n",
			strerror(errno));
		return 1;
	}
	start = now();
	for (s = 0; s < S_NR && !handover_only; s++) {
		int status;
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid < 0)
			return 1;
		if (!pid) {
			/* Associations fork from root: only they run before. */
			grid_assoc(s);
			if (become(s)) {
				printf("# cannot become %s: %s\n",
				       subject_names[s], strerror(errno));
				_exit(1);
			}
			grid_bind(s);
			grid_io_uring(s);
			grid_bindx(s);
			grid_rxrpc(s);
			grid_addrform(s);
			grid_reuseport(s);
			fflush(NULL);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fprintf(stderr, "portown_grid: subject %s failed\n",
				subject_names[s]);
			return 1;
		}
	}

	if (!handover_only)
		printf("# subjects: %.1f s\n", now() - start);
	hret = grid_handover();

	ret = portown_active() ? portown_restore_state() : 0;
	fflush(NULL);
	printf("GRID-END\n");
	if (ret) {
		fprintf(stderr, "portown_grid: cannot restore the policy: %s\n",
			strerror(-ret));
		return 1;
	}
	if (hret) {
		fprintf(stderr, "portown_grid: a hand-over process failed\n");
		return 1;
	}
	return 0;
}
