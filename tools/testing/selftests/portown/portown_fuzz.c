// SPDX-License-Identifier: GPL-2.0
/*
 * portown_fuzz: random socket operations under random credentials while
 * random policies are loaded and the mode flips, checked against a model
 * of the behaviour contract.
 *
 * Worker processes, each with a random uid, gid, groups and maybe
 * CAP_NET_BIND_SERVICE, run two threads that share one table of sockets:
 * socket, bind (with or without SO_REUSEPORT), sctp_bindx, io_uring bind,
 * connect and disconnect, IPV6_ADDRFORM, SCTP associations and AF_RXRPC
 * binds, on a small set of ports, so that the threads race on the same
 * sockets. Some sockets were bound by root before the worker dropped its
 * privileges. Meanwhile the root process writes random valid and invalid
 * policies and flips the mode.
 *
 * The oracle: every successful bind (and SCTP association) must be
 * allowed, for the worker's credentials, by one of the policy states that
 * may have been in force during the call. At the end, every socket a
 * worker holds is checked with getsockname() and, from root, with
 * sock_diag: none may hold a port outside the ephemeral range that no
 * successful bind gave it. Invalid policies must be refused and leave the
 * policy in force unchanged.
 *
 * Usage: portown_fuzz [-t SECONDS] [-s SEED] [-w WORKERS]   (root)
 * Prints TAP. Not part of run_tests: it replaces the policy at random
 * while it runs (the policy and mode in force are restored at the end).
 */

/* Only common.h's helpers are used here, not the harness's test runner. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "common.h"
#pragma GCC diagnostic pop

#include <linux/inet_diag.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <linux/rxrpc.h>
#include <linux/sock_diag.h>
#include <pthread.h>
#include <sys/uio.h>
#include <time.h>

#ifndef IPV6_ADDRFORM
#define IPV6_ADDRFORM 1
#endif
#ifndef AF_RXRPC
#define AF_RXRPC 33
#endif
#ifndef SCTP_SOCKOPT_CONNECTX
#define SCTP_SOCKOPT_CONNECTX 110
#endif

/* ---- the model --------------------------------------------------- */

enum space { SP_TCP, SP_UDP, SP_SCTP, SP_DCCP, SP_NR };
static const char *const space_names[SP_NR] = { "tcp", "udp", "sctp", "dccp" };

#define MAX_RULES 12
#define NSTATES 16384		/* ring of policy states; windows are short */

struct rule {
	uint8_t space, gid;
	uint16_t first, last;
	uint32_t id;
};

struct state {
	uint16_t reserved;
	bool strict, enforce;
	int nrules;
	struct rule rules[MAX_RULES];
};

struct ident {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[2];
	bool cap;
};

static bool ident_matches(const struct ident *c, const struct rule *r)
{
	int i;

	if (!r->gid)
		return r->id == c->uid;
	if (r->id == c->gid)
		return true;
	for (i = 0; i < c->ngroups; i++)
		if (r->id == c->groups[i])
			return true;
	return false;
}

/* The decision of portown-spec.md for one state. */
static bool model_allows(const struct state *st, const struct ident *c,
			 enum space sp, unsigned int port)
{
	bool owned = false, refused;
	int i;

	if (!port)
		return true;
	for (i = 0; i < st->nrules; i++) {
		const struct rule *r = &st->rules[i];

		if (r->space != sp || port < r->first || port > r->last)
			continue;
		owned = true;
		if (ident_matches(c, r))
			return true;
	}
	if (owned || port < st->reserved)
		refused = !(c->cap && !st->strict);
	else
		refused = false;
	if (!refused)
		return true;
	/* Permissive: let through what the stock rule allows. */
	return !st->enforce && (port >= 1024 || c->cap);
}

/* ---- shared between the processes ------------------------------- */

#define MAX_WORKERS 8
#define MAX_SOCKS 24
#define NOTE_LEN 200

struct counters {
	long ops, binds_ok, binds_refused, bindx, uring, assoc, assoc_ok,
		rxrpc, addrform, addrform_ok, connects, disconnects, reuseport,
		checked, spanning, races;
};

struct shared {
	uint32_t announced;		/* the state being written */
	uint32_t committed;		/* the state in force for sure */
	struct state states[NSTATES];
	int stop;
	int violations;
	char notes[8][NOTE_LEN];
	struct counters c[MAX_WORKERS];
	/* What each worker holds at the end, for the sock_diag sweep. */
	struct {
		int n;
		struct {
			unsigned long ino;
			unsigned short port;
			bool judged;	/* a successful bind gave it that port */
		} s[MAX_SOCKS + 8];
		/*
		 * Ports a judged bind gave the worker: kernel sockets made
		 * for it (rxrpc's UDP socket, MPTCP subflows) and sockets it
		 * closed that linger may hold them too.
		 */
		unsigned char bound[65536 / 8];
	} held[MAX_WORKERS];
	uid_t uids[MAX_WORKERS];
	int nworkers;
};

static struct shared *sh;

static void violation(const char *fmt, ...)
{
	int n = __atomic_fetch_add(&sh->violations, 1, __ATOMIC_SEQ_CST);
	va_list ap;

	if (n >= (int)ARRAY_SIZE(sh->notes))
		return;
	va_start(ap, fmt);
	vsnprintf(sh->notes[n], NOTE_LEN, fmt, ap);
	va_end(ap);
}

static uint32_t state_start(void)
{
	return __atomic_load_n(&sh->committed, __ATOMIC_SEQ_CST);
}

/* Was (sp, port) allowed to @c in any state from @c0 to now? */
static bool window_allows(struct counters *ct, uint32_t c0,
			  const struct ident *c, enum space sp,
			  unsigned int port)
{
	uint32_t a1 = __atomic_load_n(&sh->announced, __ATOMIC_SEQ_CST), k;

	ct->checked++;
	if (a1 != c0)
		ct->spanning++;
	if (a1 - c0 >= NSTATES / 2)
		return true;	/* cannot tell; never happens at our rates */
	for (k = c0; k != a1 + 1; k++)
		if (model_allows(&sh->states[k % NSTATES], c, sp, port))
			return true;
	return false;
}

/* ---- random ------------------------------------------------------ */

static __thread uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static const unsigned short fuzz_ports[] = {
	0, 80, 443, 700, 1023, 1024, 2000, 5000, 8080, 8081, 40000,
};

static unsigned short rnd_port(void)
{
	return fuzz_ports[rnd(ARRAY_SIZE(fuzz_ports))];
}

static const uid_t pool_uids[] = { 1001, 1002, 1003 };
static const gid_t pool_gids[] = { 1001, 1002, 1003, 3001, 3002 };

/* ---- the policy writer (root) ------------------------------------ */

static void random_state(struct state *st, const struct state *prev)
{
	static const uint16_t reserved[] = { 0, 500, 1024, 1024, 2000 };
	int i;

	if (rnd(4) == 0) {		/* a mode flip only */
		*st = *prev;
		st->enforce = !prev->enforce;
		return;
	}
	memset(st, 0, sizeof(*st));
	st->enforce = prev->enforce;
	st->reserved = reserved[rnd(ARRAY_SIZE(reserved))];
	st->strict = rnd(5) == 0;
	st->nrules = rnd(MAX_RULES + 1);
	for (i = 0; i < st->nrules; i++) {
		struct rule *r = &st->rules[i];
		unsigned short p = rnd_port() ?: 1;

		r->space = rnd(SP_NR);
		r->first = p;
		r->last = rnd(3) ? p : p + rnd(100) > 65535 ? 65535 : p + rnd(100);
		r->gid = rnd(2);
		r->id = r->gid ? pool_gids[rnd(ARRAY_SIZE(pool_gids))] :
				 pool_uids[rnd(ARRAY_SIZE(pool_uids))];
	}
}

static const char *const bad_lines[] = {
	"tcp 0 uid 1\n", "tcp 65536 uid 1\n", "udp 80 user 1\n",
	"icmp 80 uid 1\n", "tcp 80-70 uid 1\n", "reserved 70000\n",
	"strict 1\n", "tcp 80 uid -1\n", "tcp 80 uid 4294967295\n",
	"tcp 80\n", "tcp http uid 1\n", "tcp 80 uid 1\r\n",
};

static int policy_text(char *buf, size_t size, const struct state *st,
		       bool bad)
{
	int len, i, where = bad ? rnd(st->nrules + 1) : -1;

	len = snprintf(buf, size, "reserved %u\n%s", st->reserved,
		       st->strict ? "strict\n" : "");
	for (i = 0; i <= st->nrules; i++) {
		if (i == where)
			len += snprintf(buf + len, size - len, "%s",
					bad_lines[rnd(ARRAY_SIZE(bad_lines))]);
		if (i == st->nrules)
			break;
		len += snprintf(buf + len, size - len, "%s %u-%u %s %u\n",
				space_names[st->rules[i].space],
				st->rules[i].first, st->rules[i].last,
				st->rules[i].gid ? "gid" : "uid",
				st->rules[i].id);
	}
	return len;
}

struct writer_stats {
	long writes, modes, invalid, invalid_ok, errors;
};

static void run_writer(time_t deadline, struct writer_stats *ws)
{
	char text[4096], before[8192], after[8192];
	struct state next;
	uint32_t k = 0;

	while (time(NULL) < deadline) {
		const struct state *cur = &sh->states[k % NSTATES];
		bool bad = rnd(5) == 0;
		int ret;

		random_state(&next, cur);
		if (next.enforce != cur->enforce) {
			sh->states[(k + 1) % NSTATES] = next;
			__atomic_store_n(&sh->announced, k + 1, __ATOMIC_SEQ_CST);
			ret = write_file(PORTOWN_ENFORCE, next.enforce ? "1" : "0");
			if (ret) {
				ws->errors++;
				break;
			}
			__atomic_store_n(&sh->committed, ++k, __ATOMIC_SEQ_CST);
			ws->modes++;
		} else if (bad) {
			policy_text(text, sizeof(text), &next, true);
			if (read_file(PORTOWN_POLICY, before, sizeof(before)) < 0)
				ws->errors++;
			ret = write_file(PORTOWN_POLICY, text);
			ws->invalid++;
			if (ret == -EINVAL &&
			    read_file(PORTOWN_POLICY, after, sizeof(after)) >= 0 &&
			    !strcmp(before, after))
				ws->invalid_ok++;
			else
				violation("invalid policy: write %s, policy %s",
					  strerror(-ret),
					  strcmp(before, after) ? "changed" :
								  "unchanged");
		} else {
			policy_text(text, sizeof(text), &next, false);
			sh->states[(k + 1) % NSTATES] = next;
			__atomic_store_n(&sh->announced, k + 1, __ATOMIC_SEQ_CST);
			ret = write_file(PORTOWN_POLICY, text);
			if (ret) {
				violation("valid policy refused: %s\n%s",
					  strerror(-ret), text);
				ws->errors++;
				break;
			}
			__atomic_store_n(&sh->committed, ++k, __ATOMIC_SEQ_CST);
			ws->writes++;
		}
		usleep(500 + rnd(2500));
	}
}

/* ---- workers ----------------------------------------------------- */

enum how { H_UNBOUND, H_BOUND, H_AUTO };

struct sock {
	bool used, closing;
	int refs;
	int fd;
	const struct proto_desc *proto;
	int domain;		/* created with */
	enum how how;
	unsigned short port;
};

struct worker {
	int idx;
	unsigned char *bound_ports;
	struct ident id;
	pthread_mutex_t lock;
	struct sock socks[MAX_SOCKS];
	unsigned short tcp_peer[2], sctp_peer[2];
	struct counters *ct;
};

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
		s->used = false;
	}
	pthread_mutex_unlock(&w->lock);
}

static int sock_add(struct worker *w, int fd, const struct proto_desc *p,
		    int domain, enum how how, unsigned short port)
{
	int i;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < MAX_SOCKS; i++) {
		struct sock *s = &w->socks[i];

		if (!s->used) {
			*s = (struct sock){ .used = true, .fd = fd, .proto = p,
					    .domain = domain, .how = how,
					    .port = port };
			pthread_mutex_unlock(&w->lock);
			return i;
		}
	}
	pthread_mutex_unlock(&w->lock);
	close(fd);
	return -1;
}

static void set_how(struct worker *w, int i, enum how how, int port)
{
	pthread_mutex_lock(&w->lock);
	w->socks[i].how = how;
	w->socks[i].port = port;
	pthread_mutex_unlock(&w->lock);
}

/* set_how() if the socket is still @from: the other thread may race. */
static void set_how_if(struct worker *w, int i, enum how from, enum how to)
{
	pthread_mutex_lock(&w->lock);
	if (w->socks[i].how == from)
		w->socks[i].how = to;
	pthread_mutex_unlock(&w->lock);
}

static int sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
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

	/* An AF_INET address on an AF_INET6 socket: the RFC 2133 length. */
	if (domain == AF_INET6 && len < sizeof(struct sockaddr_in6) &&
	    rnd(2))
		len = sizeof(struct sockaddr_in6);
	return len;
}

static void op_socket(struct worker *w)
{
	const struct proto_desc *p = fuzz_protos[rnd(ARRAY_SIZE(fuzz_protos))];
	int domain = rnd(2) ? AF_INET6 : AF_INET, one = 1;
	/* Non-blocking: a connect never waits for a peer that is not there. */
	int fd = socket(domain, p->type | SOCK_CLOEXEC | SOCK_NONBLOCK,
			p->protocol);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rnd(3) == 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		w->ct->reuseport++;
	}
	sock_add(w, fd, p, domain, H_UNBOUND, 0);
}

static void mark_bound(struct worker *w, unsigned short port)
{
	__atomic_fetch_or(&w->bound_ports[port / 8], 1 << (port % 8),
			  __ATOMIC_RELAXED);
}

/* After a successful bind of @want on socket @i: the oracle. */
static void judge_bind(struct worker *w, int i, uint32_t c0,
		       unsigned short want, const char *what)
{
	struct sock *s = &w->socks[i];
	int port = sock_port(s->fd);

	w->ct->binds_ok++;
	if (port < 0)
		return;
	if (want && port != want)
		violation("%s of %u gave port %d", what, want, port);
	if (want && !window_allows(w->ct, c0, &w->id, proto_space(s->proto),
				   want))
		violation("%s: uid %u bound %s %u, which no policy in force allowed",
			  what, w->id.uid, s->proto->name, want);
	if (want)
		mark_bound(w, want);
	set_how(w, i, want ? H_BOUND : H_AUTO, port);
}

struct ring_state {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail,
		*cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_init(struct ring_state *r)
{
	struct io_uring_params p = {};
	char *sq, *cq;

	r->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -1;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(__u32),
		  PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		       IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED) {
		close(r->fd);
		r->fd = -1;
		return -1;
	}
	r->sq_tail = (void *)(sq + p.sq_off.tail);
	r->sq_mask = (void *)(sq + p.sq_off.ring_mask);
	r->sq_array = (void *)(sq + p.sq_off.array);
	r->cq_head = (void *)(cq + p.cq_off.head);
	r->cq_tail = (void *)(cq + p.cq_off.tail);
	r->cq_mask = (void *)(cq + p.cq_off.ring_mask);
	r->cqes = (void *)(cq + p.cq_off.cqes);
	return 0;
}

static int ring_bind(struct ring_state *r, int fd, const void *addr,
		     socklen_t len)
{
	unsigned int tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	struct io_uring_sqe *sqe = &r->sqes[idx];
	int ret;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_BIND;
	sqe->fd = fd;
	sqe->addr = (unsigned long)addr;
	sqe->addr2 = len;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -1;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -1;
	ret = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return ret;
}

static void op_bind(struct worker *w, struct ring_state *ring)
{
	int i = sock_get(w), ret;
	struct sockaddr_storage ss;
	unsigned short port = rnd_port();
	bool uring = ring && ring->fd >= 0 && rnd(4) == 0;
	socklen_t len;
	uint32_t c0;

	if (i < 0)
		return;
	len = rnd_addr(&ss, w->socks[i].domain, port);
	c0 = state_start();
	if (uring) {
		w->ct->uring++;
		ret = ring_bind(ring, w->socks[i].fd, &ss, len);
	} else {
		ret = bind(w->socks[i].fd, (struct sockaddr *)&ss, len) ?
		      -errno : 0;
	}
	if (!ret)
		judge_bind(w, i, c0, port, uring ? "io_uring bind" : "bind");
	else if (ret == -EACCES)
		w->ct->binds_refused++;
	sock_put(w, i);
}

static void op_bindx(struct worker *w)
{
	int i = sock_get(w), n, len = 0, k, ret;
	bool was_unbound;
	unsigned short port = rnd_port();
	char buf[64];
	uint32_t c0;

	if (i < 0)
		return;
	if (w->socks[i].proto->protocol != IPPROTO_SCTP) {
		sock_put(w, i);
		return;
	}
	n = 1 + rnd(2);
	for (k = 0; k < n; k++) {
		struct sockaddr_storage ss;
		int fam = w->socks[i].domain == AF_INET6 && rnd(2) ? AF_INET6 :
								     AF_INET;
		socklen_t l = fill_addr(&ss, fam == AF_INET ? FAM_IPV4 : FAM_IPV6,
					port);

		if (fam == AF_INET)
			((struct sockaddr_in *)&ss)->sin_addr.s_addr =
				htonl(INADDR_LOOPBACK);
		else
			((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
		memcpy(buf + len, &ss, l);
		len += l;
	}
	w->ct->bindx++;
	was_unbound = w->socks[i].how == H_UNBOUND;
	c0 = state_start();
	ret = setsockopt(w->socks[i].fd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD,
			 buf, len) ? -errno : 0;
	/*
	 * sctp_bindx_add() undoes the addresses it bound when a later one
	 * fails, but not the port: an unbound socket keeps the port of a
	 * failed call, which portown must have allowed all the same.
	 */
	if (!ret || (ret != -EACCES && was_unbound &&
		     sock_port(w->socks[i].fd) == port))
		judge_bind(w, i, c0, port, "sctp_bindx");
	sock_put(w, i);
}

static void op_connect(struct worker *w)
{
	int i = sock_get(w), fd, ret, v6;
	struct sockaddr_storage ss;
	const struct proto_desc *p;
	unsigned short peer;
	socklen_t len;
	uint32_t c0;

	if (i < 0)
		return;
	fd = w->socks[i].fd;
	p = w->socks[i].proto;
	v6 = w->socks[i].domain == AF_INET6;
	if (rnd(3) == 0) {
		struct sockaddr sa = { .sa_family = AF_UNSPEC };

		w->ct->disconnects++;
		if (!connect(fd, &sa, sizeof(sa)))
			set_how_if(w, i, H_AUTO, H_UNBOUND);
		sock_put(w, i);
		return;
	}
	/*
	 * 127.0.0.1, or for AF_INET6 sockets ::1 or ::ffff:127.0.0.1 (which
	 * IPV6_ADDRFORM needs), at the listeners or at the discard port.
	 */
	if (v6 && rnd(2)) {
		len = fill_addr(&ss, FAM_IPV6, 0);
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
		peer = p->protocol == IPPROTO_SCTP ? w->sctp_peer[1] :
		       p->type == SOCK_STREAM ? w->tcp_peer[1] : 9;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(peer);
	} else {
		peer = p->protocol == IPPROTO_SCTP ? w->sctp_peer[0] :
		       p->type == SOCK_STREAM ? w->tcp_peer[0] : 9;
		len = fill_addr(&ss, v6 ? FAM_V4MAPPED : FAM_IPV4, peer);
		if (v6) {
			((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr[12] = 127;
			((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr[15] = 1;
		} else {
			((struct sockaddr_in *)&ss)->sin_addr.s_addr =
				htonl(INADDR_LOOPBACK);
		}
	}
	w->ct->connects++;
	c0 = state_start();
	if (p->protocol == IPPROTO_SCTP) {
		int port = sock_port(fd);

		w->ct->assoc++;
		if (rnd(2))
			ret = setsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX,
					 &ss, len) < 0 ? -1 : 0;
		else
			ret = connect(fd, (struct sockaddr *)&ss, len);
		/* Non-blocking: EINPROGRESS means the association was let start. */
		if (ret && errno == EINPROGRESS)
			ret = 0;
		if (!ret) {
			w->ct->assoc_ok++;
			if (port < 0)
				port = 0;
			if (port > 0 &&
			    !window_allows(w->ct, c0, &w->id, SP_SCTP, port))
				violation("uid %u made an SCTP association from port %d",
					  w->id.uid, port);
		}
	} else {
		ret = connect(fd, (struct sockaddr *)&ss, len);
		if (ret && errno == EINPROGRESS)
			ret = 0;
	}
	if (!ret)
		set_how_if(w, i, H_UNBOUND, H_AUTO);
	sock_put(w, i);
}

static void op_addrform(struct worker *w)
{
	int i = sock_get(w), v = AF_INET;

	if (i < 0)
		return;
	if (w->socks[i].domain == AF_INET6) {
		w->ct->addrform++;
		if (__atomic_load_n(&w->socks[i].refs, __ATOMIC_RELAXED) > 1)
			w->ct->races++;
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
		if (!window_allows(w->ct, c0, &w->id, SP_UDP, port))
			violation("uid %u bound udp %u through AF_RXRPC",
				  w->id.uid, port);
		/* Its kernel UDP socket outlives this one, as the worker's. */
		mark_bound(w, port);
	}
	close(fd);
}

struct thread_arg {
	struct worker *w;
	uint64_t seed;
};

static void *worker_thread(void *arg)
{
	struct thread_arg *ta = arg;
	struct worker *w = ta->w;
	struct ring_state ring = { .fd = -1 };

	rng = ta->seed | 1;
	ring_init(&ring);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		w->ct->ops++;
		switch (rnd(16)) {
		case 0: case 1: case 2:
			op_socket(w);
			break;
		case 3: case 4: case 5: case 6: case 7:
			op_bind(w, &ring);
			break;
		case 8:
			op_bindx(w);
			break;
		case 9: case 10: case 11:
			op_connect(w);
			break;
		case 12: case 13:
			op_addrform(w);
			break;
		case 14:
			op_rxrpc(w);
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

/* Sockets root binds for the worker before it drops its privileges. */
static void inherit_sockets(struct worker *w)
{
	static const unsigned short ports[] = { 80, 700, 8080 };
	int k;

	for (k = 0; k < 3; k++) {
		const struct proto_desc *p = k == 1 ? &proto_sctp :
					     fuzz_protos[rnd(4)];
		int domain = rnd(2) ? AF_INET6 : AF_INET, one = 1, fd;
		unsigned short port = ports[k];
		struct sockaddr_storage ss;
		socklen_t len;

		fd = socket(domain, p->type | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    p->protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		len = fill_addr(&ss, domain == AF_INET ? FAM_IPV4 : FAM_IPV6,
				port);
		if (bind(fd, (struct sockaddr *)&ss, len)) {
			close(fd);
			continue;
		}
		/* Bound by root: not the worker's to have been judged on. */
		sock_add(w, fd, p, domain, H_BOUND, port);
	}
}

static int run_worker(struct worker *w, uint64_t seed)
{
	struct thread_arg ta[2] = { { w, seed * 2 + 1 }, { w, seed * 2 + 2 } };
	const struct creds c = {
		.uid = w->id.uid, .gid = w->id.gid, .ngroups = w->id.ngroups,
		.groups = { w->id.groups[0], w->id.groups[1] },
		.cap_bind = w->id.cap,
	};
	pthread_t t;
	int i, n = 0;

	rng = seed | 1;
	pthread_mutex_init(&w->lock, NULL);
	inherit_sockets(w);
	if (drop_privileges(&c))
		return 1;
	if (pthread_create(&t, NULL, worker_thread, &ta[1]))
		return 1;
	worker_thread(&ta[0]);
	pthread_join(t, NULL);

	/* getsockname() sweep, then hand the list to root for sock_diag. */
	for (i = 0; i < MAX_SOCKS; i++) {
		struct sock *s = &w->socks[i];
		struct stat st;
		int port;

		if (!s->used || s->closing)
			continue;
		port = sock_port(s->fd);
		if (port > 0 && s->how == H_BOUND && port != s->port)
			violation("socket bound to %u holds port %d", s->port,
				  port);
		if (port > 0 && s->how != H_BOUND && (port < 32768 || port > 60999))
			violation("uid %u holds %s port %d with no successful bind",
				  w->id.uid, s->proto->name, port);
		if (!fstat(s->fd, &st) && n < MAX_SOCKS) {
			sh->held[w->idx].s[n].ino = st.st_ino;
			sh->held[w->idx].s[n].port = port > 0 ? port : 0;
			sh->held[w->idx].s[n].judged = s->how == H_BOUND;
			n++;
		}
	}
	sh->held[w->idx].n = n;
	/* Keep the sockets open until root has listed them. */
	while (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE) < 2)
		usleep(10000);
	return 0;
}

/* ---- sock_diag (root, at the end) -------------------------------- */

/* Every socket of a worker uid must be one the worker accounted for. */
static int diag_sweep(int family, int protocol, long *seen)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.req = {
			.sdiag_family = family,
			.sdiag_protocol = protocol,
			.idiag_states = ~0U,
		},
	};
	char buf[16384];
	int fd, done = 0;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (send(fd, &msg, sizeof(msg), 0) != sizeof(msg)) {
		close(fd);
		return -errno;
	}
	while (!done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len <= 0) {
			close(fd);
			return len < 0 ? -errno : -EIO;
		}
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct inet_diag_msg *m = NLMSG_DATA(h);
			unsigned short port;
			int wi, k;

			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return -EPROTONOSUPPORT;
			}
			port = ntohs(m->id.idiag_sport);
			/* Orphans and TIME_WAIT have no inode: closed by now. */
			if (!m->idiag_inode)
				continue;
			for (wi = 0; wi < sh->nworkers; wi++) {
				if (m->idiag_uid != sh->uids[wi])
					continue;
				(*seen)++;
				for (k = 0; k < sh->held[wi].n; k++)
					if (sh->held[wi].s[k].ino == m->idiag_inode)
						break;
				if (k < sh->held[wi].n) {
					if (port && port != sh->held[wi].s[k].port)
						violation("sock_diag: port %u, getsockname said %u",
							  port, sh->held[wi].s[k].port);
					break;
				}
				/*
				 * A kernel socket made for the worker (an MPTCP
				 * subflow, rxrpc's UDP socket), or one it closed
				 * that lingers: on a port a judged bind gave it.
				 */
				if (!port || (port >= 32768 && port <= 60999) ||
				    sh->held[wi].bound[port / 8] & (1 << (port % 8)))
					break;
				violation("sock_diag: stray %s port %u, uid %u (ino %u, state %u)",
					  protocol == IPPROTO_TCP ? "tcp" :
					  protocol == IPPROTO_SCTP ? "sctp" : "udp",
					  port, m->idiag_uid, m->idiag_inode,
					  m->idiag_state);
				break;
			}
		}
	}
	close(fd);
	return 0;
}

/* ---- main -------------------------------------------------------- */

static int listen_on(int domain, int type, int protocol)
{
	struct sockaddr_storage ss;
	socklen_t len = fill_addr(&ss, domain == AF_INET ? FAM_IPV4 : FAM_IPV6,
				  0);
	int fd = socket(domain, type, protocol);

	if (domain == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) ||
	    listen(fd, 4096))
		return 0;
	return sock_port(fd);
}

int main(int argc, char **argv)
{
	int seconds = 60, nworkers = 4, opt, i, ret, status, failed = 0;
	uint64_t seed = time(NULL);
	struct writer_stats ws = {};
	struct counters tot = {};
	unsigned short tcp_peer[2], sctp_peer[2];
	pid_t pids[MAX_WORKERS];
	long seen = 0;
	struct state init;

	while ((opt = getopt(argc, argv, "t:s:w:")) != -1) {
		switch (opt) {
		case 't':
			seconds = atoi(optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			nworkers = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-s SEED] [-w WORKERS]\n",
				argv[0]);
			return 2;
		}
	}
	if (nworkers < 1 || nworkers > MAX_WORKERS || seconds < 1)
		return 2;
	printf("TAP version 13\n1..5\n");
	if (geteuid() || !portown_active() || portown_locked() ||
	    !portown_saved.saved) {
		printf("ok 1 - fuzz # SKIP needs root and an unlocked, active portown\n");
		for (i = 2; i <= 5; i++)
			printf("ok %d - fuzz # SKIP\n", i);
		return 0;
	}
	printf("# seed %llu, %d s, %d workers\n", (unsigned long long)seed,
	       seconds, nworkers);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	rng = seed | 1;

	/* State 0: the empty policy, enforcing. */
	memset(&init, 0, sizeof(init));
	init.reserved = 1024;
	init.enforce = true;
	sh->states[0] = init;
	if (write_file(PORTOWN_POLICY, EMPTY_POLICY) ||
	    write_file(PORTOWN_ENFORCE, "1"))
		return 1;
	for (i = 0; i < 2; i++) {
		tcp_peer[i] = listen_on(i ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
		sctp_peer[i] = listen_on(i ? AF_INET6 : AF_INET, SOCK_STREAM,
					 IPPROTO_SCTP);
	}

	sh->nworkers = nworkers;
	for (i = 0; i < nworkers; i++) {
		struct worker *w = calloc(1, sizeof(*w));

		if (!w)
			return 1;
		w->idx = i;
		w->ct = &sh->c[i];
		w->bound_ports = sh->held[i].bound;
		w->id.uid = pool_uids[rnd(ARRAY_SIZE(pool_uids))];
		w->id.gid = pool_gids[rnd(ARRAY_SIZE(pool_gids))];
		w->id.ngroups = rnd(3);
		w->id.groups[0] = 3001 + rnd(2);
		w->id.groups[1] = 3002;
		w->id.cap = rnd(10) < 3;
		sh->uids[i] = w->id.uid;
		memcpy(w->tcp_peer, tcp_peer, sizeof(tcp_peer));
		memcpy(w->sctp_peer, sctp_peer, sizeof(sctp_peer));
		printf("# worker %d: uid %u gid %u, %d groups, %s\n", i,
		       w->id.uid, w->id.gid, w->id.ngroups,
		       w->id.cap ? "CAP_NET_BIND_SERVICE" : "no capability");
		fflush(NULL);
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (!pids[i])
			_exit(run_worker(w, seed + 1000 * (i + 1)));
		free(w);
	}

	run_writer(time(NULL) + seconds, &ws);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	/* Workers sweep with getsockname(), then wait for sock_diag. */
	sleep(2);
	for (i = 0; i < 2; i++) {
		static const int protocols[] = { IPPROTO_TCP, IPPROTO_UDP,
						 IPPROTO_UDPLITE, IPPROTO_SCTP };
		size_t p;

		for (p = 0; p < ARRAY_SIZE(protocols); p++) {
			ret = diag_sweep(i ? AF_INET6 : AF_INET, protocols[p],
					 &seen);
			if (ret && !(protocols[p] == IPPROTO_SCTP &&
				     ret == -EPROTONOSUPPORT))
				violation("sock_diag %d/%d: %s", i, protocols[p],
					  strerror(-ret));
		}
	}
	__atomic_store_n(&sh->stop, 2, __ATOMIC_RELEASE);
	/* A worker stuck in a system call for a minute is a failure too. */
	for (i = 0; i < nworkers; i++) {
		int waited;

		for (waited = 0; waited < 600; waited++) {
			ret = waitpid(pids[i], &status, WNOHANG);
			if (ret)
				break;
			usleep(100000);
		}
		if (!ret) {
			printf("# worker %d did not finish: killed\n", i);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status, 0);
		}
		if (ret != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	ret = portown_restore_state();

	for (i = 0; i < nworkers; i++) {
		long *a = (long *)&tot, *b = (long *)&sh->c[i];
		size_t k;

		for (k = 0; k < sizeof(tot) / sizeof(long); k++)
			a[k] += b[k];
	}
	printf("# %ld operations: %ld binds allowed, %ld refused, %ld io_uring, %ld sctp_bindx, ",
	       tot.ops, tot.binds_ok, tot.binds_refused, tot.uring, tot.bindx);
	printf("%ld rxrpc, %ld connects (%ld SCTP, %ld made), %ld disconnects, ",
	       tot.rxrpc, tot.connects, tot.assoc, tot.assoc_ok, tot.disconnects);
	printf("%ld IPV6_ADDRFORM (%ld flipped, %ld racing another thread on the socket), ",
	       tot.addrform, tot.addrform_ok, tot.races);
	printf("%ld SO_REUSEPORT\n", tot.reuseport);
	printf("# %ld policies, %ld mode flips, %ld invalid policies; ",
	       ws.writes, ws.modes, ws.invalid);
	printf("%ld results checked, %ld of them spanning a policy change\n",
	       tot.checked, tot.spanning);
	for (i = 0; i < (int)ARRAY_SIZE(sh->notes) && i < sh->violations; i++)
		printf("# violation: %s\n", sh->notes[i]);

	printf("%s 1 - %d workers ran to the end\n", failed ? "not ok" : "ok",
	       nworkers);
	printf("%s 2 - no bind or association the model refuses (%ld checked)\n",
	       sh->violations ? "not ok" : "ok", tot.checked);
	printf("%s 3 - the writer loaded %ld policies and flipped the mode %ld times\n",
	       ws.errors || ws.writes < 10 ? "not ok" : "ok", ws.writes,
	       ws.modes);
	printf("%s 4 - %ld invalid policies refused with EINVAL, policy unchanged\n",
	       ws.invalid_ok == ws.invalid && ws.invalid ? "ok" : "not ok",
	       ws.invalid);
	printf("%s 5 - policy and mode restored (sock_diag saw %ld worker sockets)\n",
	       ret ? "not ok" : "ok", seen);
	return failed || sh->violations || ret ? 1 : 0;
}
