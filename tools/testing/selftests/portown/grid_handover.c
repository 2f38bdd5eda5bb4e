// SPDX-License-Identifier: GPL-2.0
/*
 * portown_grid: sockets that change hands. A socket one subject left
 * unbound, bound, autobound or connected is passed over a unix socket or
 * kept across setresuid(), and another subject binds it, calls
 * sctp_bindx(), listens or starts an association ("handover/..." cases).
 */

#include "grid.h"

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
		return sys_sctp_bindx_add(fd, &ss, len) ? errno : 0;
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

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every pair: returns 0, or -1 when a pair's process did not finish. */
int grid_handover(void)
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
