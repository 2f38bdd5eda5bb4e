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

#include "grid.h"

const char *const subject_names[S_NR] = {
	"owner", "other", "root", "root-nocap", "userns-root",
};

static const struct creds subject_creds[S_NR] = {
	[S_OWNER] = { .uid = UID_OWNER, .gid = GID_OWNER },
	[S_OTHER] = { .uid = UID_OTHER, .gid = GID_OTHER, .ngroups = 1,
		      .groups = { GID_GROUP } },
	[S_USERNS] = { .uid = UID_OWNER, .gid = GID_OWNER },
};

void emit(const char *name, int err, bool xfam)
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
int become(enum subject s)
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

socklen_t loopback(struct sockaddr_storage *ss, int domain,
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
					err = sys_sctp_bindx_add(fd, buf, len) ?
					      errno : 0;
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

static const char *const aop_names[A_NR] = {
	"sctp-connect", "sctp-connectx", "sctp-sendmsg",
};

/*
 * Starts an association from the non-blocking SCTP socket @fd to @ss: 0, the
 * errno of the call, or, when it only started (EINPROGRESS), the
 * association's own error once the socket is writable.
 */
int assoc_start(int fd, enum aop op, const struct sockaddr_storage *ss,
		socklen_t len)
{
	const struct sockaddr *sa = (const struct sockaddr *)ss;
	int ret;

	if (op == A_CONNECT)
		ret = connect(fd, sa, len);
	else if (op == A_CONNECTX)
		ret = sys_sctp_connectx(fd, sa, len) < 0 ? -1 : 0;
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
