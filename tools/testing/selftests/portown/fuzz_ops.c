// SPDX-License-Identifier: GPL-2.0
/*
 * portown_fuzz: the workers, their operations on shared sockets, and the
 * oracle that judges each call against the model.
 */

#include "fuzz.h"

/* ---- workers ----------------------------------------------------- */

/* Unix datagram socketpairs: worker i reads [i][0], the others send to [i][1]. */
int inbox[MAX_WORKERS][2];

static const struct proto_desc *const fuzz_protos[] = {
	&proto_tcp, &proto_udp, &proto_udplite, &proto_sctp, &proto_mptcp,
	&proto_dccp,
};

static enum space proto_space(const struct proto_desc *p)
{
	if (p->protocol == IPPROTO_UDP || p->protocol == IPPROTO_UDPLITE)
		return SP_UDP;
	if (p->protocol == IPPROTO_SCTP)
		return SP_SCTP;
	if (p->protocol == IPPROTO_DCCP)
		return SP_DCCP;
	return SP_TCP;
}

static struct smodel *sm(struct worker *w, int i)
{
	return &sh->socks[w->socks[i].m];
}

static int sm_how(struct smodel *m)
{
	return __atomic_load_n(&m->bind, __ATOMIC_SEQ_CST) >> 16;
}

/* A model for a new socket, with one holder; -1 when all are taken. */
static int sm_new(int proto, int domain, int creator, int bind)
{
	int k, start = rnd(NSMODELS);

	for (k = 0; k < NSMODELS; k++) {
		struct smodel *m = &sh->socks[(start + k) % NSMODELS];
		int zero = 0;

		if (!__atomic_compare_exchange_n(&m->holders, &zero, 1, false,
						 __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED))
			continue;
		m->proto = proto;
		m->domain = domain;
		m->creator = creator;
		m->binder = bind >> 16 == H_BOUND ? creator : -1;
		m->passes = 0;
		memset(m->seq, 0, sizeof(m->seq));
		memset(m->busy, 0, sizeof(m->busy));
		__atomic_store_n(&m->bind, bind, __ATOMIC_SEQ_CST);
		return (start + k) % NSMODELS;
	}
	return -1;
}

static void sm_put(int m)
{
	__atomic_fetch_sub(&sh->socks[m].holders, 1, __ATOMIC_SEQ_CST);
}

/* H_UNBOUND to H_AUTO (a call that autobinds), or back (disconnect). */
static void set_how_if(struct smodel *m, enum how from, enum how to)
{
	int old = __atomic_load_n(&m->bind, __ATOMIC_SEQ_CST);

	while (old >> 16 == (int)from &&
	       !__atomic_compare_exchange_n(&m->bind, &old,
					    BIND_STATE(to, old & 0xffff), false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
}

/* Take a random used socket (or -1), holding a reference. */
static int sock_get(struct worker *w)
{
	int i, start = rnd(MAX_SOCKS);

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < MAX_SOCKS; i++) {
		struct sock *s = &w->socks[(start + i) % MAX_SOCKS];

		if (s->used && !s->closing) {
			s->refs++;
			pthread_mutex_unlock(&w->lock);
			return (start + i) % MAX_SOCKS;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return -1;
}

static void sock_put(struct worker *w, int i)
{
	struct sock *s = &w->socks[i];

	pthread_mutex_lock(&w->lock);
	if (!--s->refs && s->closing) {
		close(s->fd);
		sm_put(s->m);
		s->used = false;
	}
	pthread_mutex_unlock(&w->lock);
}

/* Adds @fd, modelled by sh->socks[@m]; returns its entry held, or -1. */
static int sock_add(struct worker *w, int fd, int m)
{
	int i;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < MAX_SOCKS; i++) {
		struct sock *s = &w->socks[i];

		if (!s->used) {
			*s = (struct sock){ .used = true, .refs = 1, .fd = fd,
					    .m = m };
			pthread_mutex_unlock(&w->lock);
			return i;
		}
	}
	pthread_mutex_unlock(&w->lock);
	close(fd);
	sm_put(m);
	return -1;
}

static void span_begin(struct worker *w, struct span *sp, struct smodel *m,
		       enum kind kind)
{
	int k, binder = __atomic_load_n(&m->binder, __ATOMIC_SEQ_CST);

	sp->m = m;
	sp->kind = kind;
	for (k = 0; k < K_NR; k++) {
		sp->busy[k] = __atomic_load_n(&m->busy[k], __ATOMIC_SEQ_CST);
		sp->seq[k] = __atomic_load_n(&m->seq[k], __ATOMIC_SEQ_CST);
	}
	__atomic_fetch_add(&m->busy[kind], 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&m->seq[kind], 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&m->passes, __ATOMIC_RELAXED))
		w->ct->moved++;
	if (!same_ident(self(), &sh->idents[m->creator]) ||
	    (binder >= 0 && !same_ident(self(), &sh->idents[binder]))) {
		w->ct->cross++;
		if (m->proto == FUZZ_SCTP)
			w->ct->cross_sctp++;
	}
}

static unsigned int span_end(struct worker *w, struct span *sp)
{
	unsigned int mask = 0;
	int k, own;

	__atomic_fetch_sub(&sp->m->busy[sp->kind], 1, __ATOMIC_SEQ_CST);
	for (k = 0; k < K_NR; k++) {
		own = k == sp->kind;
		if (sp->busy[k] ||
		    __atomic_load_n(&sp->m->seq[k], __ATOMIC_SEQ_CST) !=
		    sp->seq[k] + own)
			mask |= 1U << k;
	}
	if (!(mask & 1U << K_BIND))
		return mask;
	if (sp->kind == K_BIND)
		w->ct->bind_bind++;
	else
		w->ct->assoc_bind++;
	return mask;
}

/*
 * This thread's credentials only: raw system calls, as glibc's wrappers
 * change those of every thread. Root keeps its own.
 */
static int thread_set_creds(const struct ident *c)
{
	const __u32 want = c->cap ? CAP_TO_MASK(CAP_NET_BIND_SERVICE) : 0;
	struct __user_cap_data_struct data[2];

	if (!c->uid)
		return 0;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) ||
	    (c->cap && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) ||
	    syscall(SYS_setgroups, c->ngroups, c->groups) ||
	    syscall(SYS_setresgid, c->gid, c->gid, c->gid) ||
	    syscall(SYS_setresuid, c->uid, c->uid, c->uid) ||
	    capset_raw(want, want) || capget_raw(data))
		return -1;
	return data[0].effective != want || data[0].permitted != want ||
	       data[1].effective || data[1].permitted ? -1 : 0;
}

/* Any address a bind might try on a socket created as @domain. */
static socklen_t rnd_addr(struct sockaddr_storage *ss, int domain,
			  unsigned short port)
{
	static const enum family v4[] = { FAM_IPV4, FAM_UNSPEC };
	static const enum family v6[] = { FAM_IPV6, FAM_V4MAPPED, FAM_IPV4,
					  FAM_UNSPEC };
	enum family f = domain == AF_INET ? v4[rnd(2)] : v6[rnd(4)];
	socklen_t len = fill_addr(ss, f, port);
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	/* Loopback half the time: sctp_bindx() can add addresses to it. */
	if (f != FAM_UNSPEC && rnd(2)) {
		if (f == FAM_IPV4)
			((struct sockaddr_in *)ss)->sin_addr.s_addr =
				htonl(INADDR_LOOPBACK);
		else if (f == FAM_IPV6)
			in6->sin6_addr = in6addr_loopback;
		else	/* ::ffff:127.0.0.1 */
			in6->sin6_addr.s6_addr32[3] = htonl(INADDR_LOOPBACK);
	}

	/* An AF_INET address on an AF_INET6 socket: the RFC 2133 length. */
	if (domain == AF_INET6 && len < sizeof(struct sockaddr_in6) &&
	    rnd(2))
		len = sizeof(struct sockaddr_in6);
	return len;
}

static void mark_bound(unsigned short port)
{
	__atomic_fetch_or(&sh->bound[port / 8], 1 << (port % 8),
			  __ATOMIC_RELAXED);
}

/* ---- the oracle -------------------------------------------------- */

static void describe(char *buf, size_t size, struct smodel *m)
{
	int binder = __atomic_load_n(&m->binder, __ATOMIC_SEQ_CST);

	snprintf(buf, size, "a socket of uid %u, bound by uid %d, handed over %d times",
		 sh->idents[m->creator].uid,
		 binder < 0 ? -1 : (int)sh->idents[binder].uid,
		 __atomic_load_n(&m->passes, __ATOMIC_RELAXED));
}

/* After an SCTP call by this thread that reused its endpoint's port. */
static void judge_reuse(struct worker *w, struct smodel *m, uint32_t c0,
			int port, const char *what)
{
	char sock[96];

	if (port <= 0)
		return;
	if (port_chosen(port))
		w->ct->reuse_judged++;
	if (window_allows(w->ct, c0, self(), SP_SCTP, port, true))
		return;
	describe(sock, sizeof(sock), m);
	violation(what, "%s: uid %u%s used sctp port %d of %s, which no policy in force allowed",
		  what, self()->uid, self()->cap ? " (cap)" : "", port, sock);
}

/*
 * After a bind of @want by this thread that gave socket @i a port (a
 * successful call, or a failed sctp_bindx() that kept it): @want is
 * judged for this thread, and a port 0 that took an SCTP endpoint's port
 * is judged as a reuse. Not when @judge is false: another bind of the
 * socket at the same time may have given the port.
 */
static void judge_bind(struct worker *w, int i, uint32_t c0,
		       unsigned short want, const char *what, bool judge)
{
	struct smodel *m = sm(w, i);
	const struct proto_desc *p = fuzz_protos[m->proto];
	int port = local_port(w->socks[i].fd);
	char sock[96];

	w->ct->binds_ok++;
	if (port < 0)
		return;
	if (want && port != want) {
		violation(what, "%s of %u gave port %d", what, want, port);
	} else if (judge && want &&
		   !window_allows(w->ct, c0, self(), proto_space(p), want,
				  false)) {
		describe(sock, sizeof(sock), m);
		violation(what, "%s: uid %u%s bound %s %u on %s, which no policy in force allowed",
			  what, self()->uid, self()->cap ? " (cap)" : "",
			  p->name, want, sock);
	} else if (judge && !want && m->proto == FUZZ_SCTP) {
		judge_reuse(w, m, c0, port, what);
	}
	if (!want && !port_chosen(port)) {
		__atomic_store_n(&m->bind, BIND_STATE(H_AUTO, port),
				 __ATOMIC_SEQ_CST);
		return;
	}
	if (want) {
		mark_bound(want);
		__atomic_store_n(&m->binder, me, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&m->bind, BIND_STATE(H_BOUND, port), __ATOMIC_SEQ_CST);
}

/* ---- operations -------------------------------------------------- */

/* A new socket of fuzz_protos[@proto] in the table, held, or -1. */
static int new_socket(struct worker *w, int proto)
{
	const struct proto_desc *p = fuzz_protos[proto];
	int domain = rnd(2) ? AF_INET6 : AF_INET, one = 1, fd, m;

	/* Non-blocking: a connect never waits for a peer that is not there. */
	fd = socket(domain, p->type | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    p->protocol);
	if (fd < 0)
		return -1;
	w->ct->sockets++;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rnd(3) == 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		w->ct->reuseport++;
	}
	m = sm_new(proto, domain, me, BIND_STATE(H_UNBOUND, 0));
	if (m < 0) {
		close(fd);
		return -1;
	}
	return sock_add(w, fd, m);
}

static void op_socket(struct worker *w)
{
	int i = new_socket(w, rnd(ARRAY_SIZE(fuzz_protos)));

	if (i >= 0)
		sock_put(w, i);
}

static void do_bind(struct worker *w, struct uring *ring, int i,
		    unsigned short port)
{
	struct smodel *m = sm(w, i);
	bool uring = ring && ring->fd >= 0 && rnd(4) == 0;
	struct sockaddr_storage ss;
	socklen_t len = rnd_addr(&ss, m->domain, port);
	struct span sp;
	uint32_t c0;
	int ret;

	w->ct->binds++;
	span_begin(w, &sp, m, K_BIND);
	c0 = state_start();
	if (uring) {
		w->ct->uring++;
		/* 0, -errno, or > 0 for io_uring's own trouble */
		ret = -uring_bind(ring, w->socks[i].fd, &ss, len, false);
	} else {
		ret = bind(w->socks[i].fd, (struct sockaddr *)&ss, len) ?
		      -errno : 0;
	}
	span_end(w, &sp);
	if (!ret)
		judge_bind(w, i, c0, port, uring ? "io_uring bind" : "bind",
			   true);
	else if (ret == -EACCES)
		w->ct->binds_refused++;
}

static void op_bind(struct worker *w, struct uring *ring)
{
	int i = sock_get(w);

	if (i < 0)
		return;
	do_bind(w, ring, i, rnd_port());
	sock_put(w, i);
}

/*
 * sctp_bindx() of one or two loopback addresses with @port: 127.0.0.1-4
 * or ::1, so that an address can join an endpoint bound to another (one
 * bound to the wildcard address takes none).
 */
static void do_bindx(struct worker *w, int i, unsigned short port)
{
	struct smodel *m = sm(w, i);
	bool was_unbound = sm_how(m) == H_UNBOUND;
	int n = 1 + rnd(2), len = 0, k, ret;
	unsigned int overlap;
	struct span sp;
	char buf[64];
	uint32_t c0;

	for (k = 0; k < n; k++) {
		struct sockaddr_storage ss;
		int fam = m->domain == AF_INET6 && rnd(2) ? AF_INET6 : AF_INET;
		socklen_t l = set_sockaddr(&ss, fam, "loopback", port);

		if (fam == AF_INET)
			((struct sockaddr_in *)&ss)->sin_addr.s_addr +=
				htonl(rnd(4));
		memcpy(buf + len, &ss, l);
		len += l;
	}
	w->ct->bindx++;
	w->ct->bindx0 += !port && !was_unbound;
	span_begin(w, &sp, m, K_BIND);
	c0 = state_start();
	ret = sys_sctp_bindx_add(w->socks[i].fd, buf, len) ? -errno : 0;
	overlap = span_end(w, &sp);
	w->ct->bindx0_ok += !ret && !port && !was_unbound;
	/*
	 * sctp_bindx_add() undoes the addresses it bound when a later one
	 * fails, but not the port: an unbound socket keeps the port of a
	 * failed call, which portown must have allowed all the same (unless
	 * another bind at the same time gave it).
	 */
	if (!ret || (ret != -EACCES && was_unbound && port &&
		     local_port(w->socks[i].fd) == port))
		judge_bind(w, i, c0, port,
			   port ? "sctp_bindx" : "sctp_bindx port 0",
			   !ret || !(overlap & 1U << K_BIND));
}

static void op_bindx(struct worker *w)
{
	int i = sock_get(w);

	if (i < 0)
		return;
	/* Port 0 on a bound endpoint takes the endpoint's port. */
	if (sm(w, i)->proto == FUZZ_SCTP)
		do_bindx(w, i, sm_how(sm(w, i)) == H_BOUND && rnd(2) ? 0 :
			 rnd_port());
	sock_put(w, i);
}

/*
 * 127.0.0.1, or for AF_INET6 sockets ::1 or ::ffff:127.0.0.1 (which
 * IPV6_ADDRFORM needs), at the listeners or at the discard port.
 */
static socklen_t peer_addr(struct worker *w, struct sockaddr_storage *ss,
			   const struct smodel *m)
{
	const struct proto_desc *p = fuzz_protos[m->proto];
	bool v6 = m->domain == AF_INET6, any6 = v6 && rnd(2);
	unsigned short peer;

	peer = p->protocol == IPPROTO_SCTP ? w->sctp_peer[any6] :
	       p->type == SOCK_STREAM ? w->tcp_peer[any6] : 9;
	return set_sockaddr(ss, m->domain,
			    v6 && !any6 ? "mapped-loopback" : "loopback", peer);
}

/*
 * connect(), sctp_connectx() or sendmsg() to a peer: for SCTP a new
 * association, judged on the port the endpoint holds after the call (it
 * never changes once set: the association was made from it).
 */
static void do_assoc(struct worker *w, int i, enum call a)
{
	static const char *const what[] = {
		[A_CONNECT] = "SCTP connect", [A_CONNECTX] = "SCTP connectx",
		[A_SENDMSG] = "SCTP sendmsg",
	};
	struct smodel *m = sm(w, i);
	bool sctp = m->proto == FUZZ_SCTP;
	int fd = w->socks[i].fd, ret;
	struct sockaddr_storage ss;
	socklen_t len = peer_addr(w, &ss, m);
	unsigned int overlap;
	struct span sp;
	uint32_t c0;

	if (a == A_CONNECTX && !sctp)
		a = A_CONNECT;
	if (a == A_SENDMSG)
		w->ct->sendmsgs++;
	else if (a == A_CONNECTX)
		w->ct->connectx++;
	else
		w->ct->connects++;
	w->ct->assoc += sctp;
	span_begin(w, &sp, m, K_ASSOC);
	c0 = state_start();
	if (a == A_SENDMSG)
		ret = sendto(fd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL,
			     (struct sockaddr *)&ss, len) < 0 ? -1 : 0;
	else if (a == A_CONNECTX)
		ret = sys_sctp_connectx(fd, &ss, len);
	else
		ret = connect(fd, (struct sockaddr *)&ss, len);
	/* Non-blocking: EINPROGRESS means the association was let start. */
	if (ret && errno == EINPROGRESS)
		ret = 0;
	overlap = span_end(w, &sp);
	if (ret)
		return;
	set_how_if(m, H_UNBOUND, H_AUTO);
	if (!sctp)
		return;
	w->ct->assoc_ok++;
	/* A sendmsg() made one unless another association may be there. */
	if (a != A_SENDMSG || (!sp.seq[K_ASSOC] && !(overlap & 1U << K_ASSOC)))
		judge_reuse(w, m, c0, local_port(fd), what[a]);
}

static void op_connect(struct worker *w)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	int i = sock_get(w);

	if (i < 0)
		return;
	switch (rnd(8)) {
	case 0:
		w->ct->disconnects++;
		if (!connect(w->socks[i].fd, &sa, sizeof(sa)))
			set_how_if(sm(w, i), H_AUTO, H_UNBOUND);
		break;
	case 1:		/* autobinds an unbound socket too */
		w->ct->listens++;
		if (!listen(w->socks[i].fd, 1))
			set_how_if(sm(w, i), H_UNBOUND, H_AUTO);
		break;
	default:
		do_assoc(w, i, rnd(A_SENDMSG + 1));
		break;
	}
	sock_put(w, i);
}

static void op_addrform(struct worker *w)
{
	int i = sock_get(w), v = AF_INET;

	if (i < 0)
		return;
	if (sm(w, i)->domain == AF_INET6) {
		w->ct->addrform++;
		if (__atomic_load_n(&w->socks[i].refs, __ATOMIC_RELAXED) > 1)
			w->ct->addrform_races++;
		if (!setsockopt(w->socks[i].fd, IPPROTO_IPV6, IPV6_ADDRFORM, &v,
				sizeof(v)))
			w->ct->addrform_ok++;
	}
	sock_put(w, i);
}

static void op_close(struct worker *w)
{
	int i = sock_get(w);

	if (i < 0)
		return;
	w->ct->closes++;
	pthread_mutex_lock(&w->lock);
	w->socks[i].closing = true;
	pthread_mutex_unlock(&w->lock);
	sock_put(w, i);
}

static void op_rxrpc(struct worker *w)
{
	struct sockaddr_rxrpc srx = {
		.srx_family = AF_RXRPC,
		.transport_type = SOCK_DGRAM,
	};
	unsigned short port = rnd_port();
	int v6 = rnd(2), fd;
	uint32_t c0;

	fd = socket(AF_RXRPC, SOCK_DGRAM, v6 ? AF_INET6 : AF_INET);
	if (fd < 0)
		return;
	if (v6) {
		srx.transport_len = sizeof(srx.transport.sin6);
		srx.transport.sin6.sin6_family = AF_INET6;
		srx.transport.sin6.sin6_port = htons(port);
	} else {
		srx.transport_len = sizeof(srx.transport.sin);
		srx.transport.sin.sin_family = AF_INET;
		srx.transport.sin.sin_port = htons(port);
	}
	w->ct->rxrpc++;
	c0 = state_start();
	if (!bind(fd, (struct sockaddr *)&srx, sizeof(srx)) && port) {
		if (!window_allows(w->ct, c0, self(), SP_UDP, port, false))
			violation("rxrpc", "uid %u%s bound udp %u through AF_RXRPC",
				  self()->uid, self()->cap ? " (cap)" : "",
				  port);
		/* Its kernel UDP socket outlives this one. */
		mark_bound(port);
	}
	close(fd);
}

/*
 * Hands a socket to another worker, preferably one with other
 * credentials, over its inbox (SCM_RIGHTS), with the index of its model;
 * keeps it or not.
 */
static void op_pass(struct worker *w)
{
	union fd_cmsg u = {};
	int i, j, k, m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	if (sh->nworkers < 2)
		return;
	i = sock_get(w);
	if (i < 0)
		return;
	for (k = 0; k < 4; k++) {
		j = rnd(sh->nworkers - 1);
		j += j >= w->idx;
		if (!same_ident(self(), &sh->idents[1 + 2 * j]) ||
		    !same_ident(self(), &sh->idents[2 + 2 * j]))
			break;
	}
	m = w->socks[i].m;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &w->socks[i].fd, sizeof(int));
	__atomic_fetch_add(&sh->socks[m].holders, 1, __ATOMIC_SEQ_CST);
	if (sendmsg(inbox[j][1], &msg, MSG_DONTWAIT) == sizeof(m)) {
		__atomic_fetch_add(&sh->socks[m].passes, 1, __ATOMIC_SEQ_CST);
		w->ct->handed++;
		if (rnd(2)) {
			pthread_mutex_lock(&w->lock);
			w->socks[i].closing = true;
			pthread_mutex_unlock(&w->lock);
		}
	} else {
		sm_put(m);
	}
	sock_put(w, i);
}

/* Takes a socket another worker handed over into the table, if any. */
static bool recv_socket(struct worker *w)
{
	union fd_cmsg u;
	int fd, i, m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;

	if (recvmsg(inbox[w->idx][0], &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) !=
	    sizeof(m))
		return false;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
		sm_put(m);
		return true;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	w->ct->received++;
	i = sock_add(w, fd, m);
	if (i >= 0)
		sock_put(w, i);
	return true;
}

/* A few thousand instructions at random, so that races land anywhere. */
static void jitter(void)
{
	unsigned int n = rnd(512);

	while (n--)
		rnd(2);
}

/*
 * A race: this thread posts a fresh socket (SCTP, mostly) and binds it
 * the moment the other thread takes it in join_race(), for an
 * association, an sctp_bindx() with port 0 or another bind.
 */
static void op_race(struct worker *w, struct uring *ring)
{
	int state = RACE_IDLE, i;
	struct timespec t0, t;
	long ns;

	if (!__atomic_compare_exchange_n(&w->race, &state, RACE_SETUP, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	i = new_socket(w, rnd(4) ? FUZZ_SCTP : rnd(ARRAY_SIZE(fuzz_protos)));
	if (i < 0) {
		__atomic_store_n(&w->race, RACE_IDLE, __ATOMIC_RELEASE);
		return;
	}
	w->race_slot = i;
	w->race_call = rnd(A_NR);
	w->ct->race_posted++;
	__atomic_store_n(&w->race, RACE_POSTED, __ATOMIC_RELEASE);
	/* Spin for the other thread, then yield; 5 ms at most. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (__atomic_load_n(&w->race, __ATOMIC_ACQUIRE) == RACE_POSTED) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ns = (t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec -
		     t0.tv_nsec;
		state = RACE_POSTED;
		if (ns > 5000000 &&
		    __atomic_compare_exchange_n(&w->race, &state, RACE_IDLE,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
		if (ns > 200000)
			sched_yield();
	}
	jitter();
	/* 80, 443, 700 or 1023 half the time: refused to most. */
	do_bind(w, ring, i, rnd(2) ? fuzz_ports[1 + rnd(4)] : rnd_port());
	sock_put(w, i);
}

static void join_race(struct worker *w, struct uring *ring)
{
	int state = RACE_POSTED, i = -1;
	enum call a;

	if (__atomic_load_n(&w->race, __ATOMIC_ACQUIRE) != RACE_POSTED)
		return;
	/* The poster holds the socket as long as it is posted. */
	pthread_mutex_lock(&w->lock);
	if (__atomic_compare_exchange_n(&w->race, &state, RACE_GO, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		i = w->race_slot;
		w->socks[i].refs++;
	}
	pthread_mutex_unlock(&w->lock);
	if (i < 0)
		return;
	a = w->race_call;
	w->ct->race_met++;
	jitter();
	if (a == A_BINDX0 && sm(w, i)->proto == FUZZ_SCTP)
		do_bindx(w, i, 0);
	else if (a >= A_BINDX0)
		do_bind(w, ring, i, rnd_port());
	else
		do_assoc(w, i, a);
	sock_put(w, i);
	__atomic_store_n(&w->race, RACE_IDLE, __ATOMIC_RELEASE);
}

static void *worker_thread(void *arg)
{
	struct thread_arg *ta = arg;
	struct worker *w = ta->w;
	struct uring ring = { .fd = -1 };
	unsigned long n = 0;

	rng = ta->seed | 1;
	me = ta->ident;
	if (thread_set_creds(self())) {
		violation("credentials", "a thread could not take uid %u",
			  self()->uid);
		return NULL;
	}
	/* After the credentials: io_uring's workers take the creator's. */
	uring_init(&ring);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		/* The other thread's credentials must never leak in here. */
		if (!(n++ % 256) && syscall(SYS_geteuid) != (long)self()->uid) {
			violation("credentials", "a thread of uid %u runs as %ld",
				  self()->uid, syscall(SYS_geteuid));
			break;
		}
		w->ct->ops++;
		join_race(w, &ring);
		switch (rnd(20)) {
		case 0: case 1:
			op_socket(w);
			break;
		case 2: case 3: case 4: case 5: case 6:
			op_bind(w, &ring);
			break;
		case 7: case 8:
			op_bindx(w);
			break;
		case 9: case 10: case 11:
			op_connect(w);
			break;
		case 12:
			op_addrform(w);
			break;
		case 13:
			op_rxrpc(w);
			break;
		case 14:
			op_pass(w);
			break;
		case 15:
			recv_socket(w);
			break;
		case 16: case 17:
			op_race(w, &ring);
			break;
		default:
			op_close(w);
			break;
		}
	}
	if (ring.fd >= 0)
		close(ring.fd);
	return NULL;
}

/* Sockets root binds for the worker before its threads take credentials. */
static void inherit_sockets(struct worker *w)
{
	static const unsigned short ports[] = { 80, 700, 8080 };
	int k;

	for (k = 0; k < 3; k++) {
		int proto = k == 1 ? FUZZ_SCTP : (int)rnd(4);
		const struct proto_desc *p = fuzz_protos[proto];
		int domain = rnd(2) ? AF_INET6 : AF_INET, one = 1, fd, i, m;
		unsigned short port = ports[k];
		struct sockaddr_storage ss;
		socklen_t len;

		fd = socket(domain, p->type | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    p->protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		/* SCTP on 127.0.0.1 or ::1, so that sctp_bindx() can add more. */
		len = set_sockaddr(&ss, domain,
				   proto == FUZZ_SCTP ? "loopback" : "any", port);
		/* Bound by root (idents[0]): not the worker's to be judged on. */
		m = sm_new(proto, domain, 0, BIND_STATE(H_BOUND, port));
		if (m < 0 || bind(fd, (struct sockaddr *)&ss, len)) {
			if (m >= 0)
				sm_put(m);
			close(fd);
			continue;
		}
		i = sock_add(w, fd, m);
		if (i >= 0)
			sock_put(w, i);
	}
}

int run_worker(struct worker *w, uint64_t seed)
{
	struct thread_arg ta[2] = {
		{ w, seed * 2 + 1, 1 + 2 * w->idx },
		{ w, seed * 2 + 2, 2 + 2 * w->idx },
	};
	pthread_t t;
	int i, n = 0, waited;

	rng = seed | 1;
	pthread_mutex_init(&w->lock, NULL);
	inherit_sockets(w);
	/* Before any thread changes: a new thread gets its creator's creds. */
	if (pthread_create(&t, NULL, worker_thread, &ta[1]))
		return 1;
	worker_thread(&ta[0]);
	pthread_join(t, NULL);

	/* Once no worker sends any more, take in what is on its way. */
	__atomic_fetch_add(&sh->quiet, 1, __ATOMIC_SEQ_CST);
	for (waited = 0; waited < 600 &&
	     __atomic_load_n(&sh->quiet, __ATOMIC_SEQ_CST) < sh->nworkers;
	     waited++)
		usleep(100000);
	while (recv_socket(w))
		;

	/* getsockname() sweep, then hand the list to root for sock_diag. */
	for (i = 0; i < MAX_SOCKS; i++) {
		struct sock *s = &w->socks[i];
		struct stat st;
		int port, bind;

		if (!s->used || s->closing)
			continue;
		bind = __atomic_load_n(&sh->socks[s->m].bind, __ATOMIC_SEQ_CST);
		port = local_port(s->fd);
		if (port > 0 && bind >> 16 == H_BOUND && port != (bind & 0xffff))
			violation("sweep", "socket bound to %u holds port %d",
				  bind & 0xffff, port);
		if (port > 0 && bind >> 16 != H_BOUND && port_chosen(port))
			violation("sweep", "worker %d holds %s port %d with no successful bind",
				  w->idx, fuzz_protos[sh->socks[s->m].proto]->name,
				  port);
		if (!fstat(s->fd, &st) && n < MAX_SOCKS) {
			sh->held[w->idx].s[n].ino = st.st_ino;
			sh->held[w->idx].s[n].port = port > 0 ? port : 0;
			n++;
		}
	}
	sh->held[w->idx].n = n;
	__atomic_fetch_add(&sh->ready, 1, __ATOMIC_SEQ_CST);
	/* Keep the sockets open until root has listed them. */
	while (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE) < 2)
		usleep(10000);
	return 0;
}
