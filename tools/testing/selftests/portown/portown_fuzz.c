// SPDX-License-Identifier: GPL-2.0
/*
 * portown_fuzz: random socket operations under random credentials while
 * random policies are loaded and the mode flips, checked against a model
 * of the behaviour contract.
 *
 * Worker processes run two threads each, and every thread has credentials
 * of its own (Linux credentials are per thread): root, or a random uid,
 * gid and groups, maybe with CAP_NET_BIND_SERVICE. The threads share one
 * table of sockets: socket, bind (with or without SO_REUSEPORT),
 * sctp_bindx (port 0 too, which takes a bound endpoint's port), io_uring
 * bind, connect, disconnect and listen, IPV6_ADDRFORM, SCTP associations
 * (connect, sctp_connectx, sendmsg to a new peer) and AF_RXRPC binds, on
 * a small set of ports, so that the threads race on the same sockets. One
 * thread can post a fresh socket for both to hit at once: a bind against
 * an association, an sctp_bindx or another bind. Workers hand sockets to
 * each other with SCM_RIGHTS, so that a socket bound under one credential
 * is used under another. Some sockets were bound by root before the
 * threads took their credentials. Meanwhile the root process writes
 * random valid and invalid policies and flips the mode.
 *
 * The oracle judges every call for the credentials of the thread that
 * made it, never the binder's: every port a successful bind asked for,
 * and the port every SCTP association or sctp_bindx port 0 reused when a
 * caller (not the kernel) chose it, must be allowed to that thread by one
 * of the policy states that may have been in force during the call. At
 * the end, every socket a worker holds is checked with getsockname() and,
 * from root, with sock_diag: none may hold a port a caller chose that no
 * successful bind gave it. Invalid policies must be refused and leave the
 * policy in force unchanged.
 *
 * Usage: portown_fuzz [-t SECONDS] [-s SEED] [-w WORKERS]   (root)
 * Prints TAP, and "# ops:" lines that count what it tried. Not part of
 * run_tests: it replaces the policy at random while it runs, and reserves
 * its ports in the ephemeral range (all restored at the end).
 */

/* Only common.h's helpers are used here, not the harness's test runner. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "common.h"
#include "wrappers.h"
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

#define LOCAL_RANGE "/proc/sys/net/ipv4/ip_local_port_range"
#define RESERVED_PORTS "/proc/sys/net/ipv4/ip_local_reserved_ports"

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

/* A thread's credentials; uid 0 with cap is root. */
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

/*
 * The ports a caller asks for. Autobinding never picks one: the ephemeral
 * range (ip_local_port_range) holds none of them but those main()
 * reserves (ip_local_reserved_ports). So a socket holding one of them
 * holds a port a caller chose, and any other port is the kernel's.
 */
static const unsigned short fuzz_ports[] = {
	0, 80, 443, 700, 1023, 1024, 2000, 5000, 8080, 8081, 40000,
};

static unsigned int eph_lo = 32768, eph_hi = 60999;
static bool eph_reserved;	/* fuzz_ports[] within the range reserved */

static bool ephemeral(unsigned int port)
{
	return port >= eph_lo && port <= eph_hi;
}

/* Did a caller choose @port, the port a socket holds, or the kernel? */
static bool port_chosen(unsigned int port)
{
	size_t i;

	if (!port)
		return false;
	if (!ephemeral(port))
		return true;
	for (i = 1; eph_reserved && i < ARRAY_SIZE(fuzz_ports); i++)
		if (port == fuzz_ports[i])
			return true;
	return false;		/* the kernel's, or cannot tell */
}

/*
 * The decision for a call that binds (sp, port), or (@reuse) that reuses
 * the port an SCTP endpoint holds: an association (connect, connectx,
 * sendmsg to a new peer) or an sctp_bindx() address with port 0. A reuse
 * is judged like a bind of the port for the caller when a caller chose
 * the port, and allowed when the kernel did (autobind). The endpoint's
 * port never changes once set, so the port it holds after the call is
 * the one the call used, whichever racing call set it. A bind of a port
 * that failed may have left the socket marked as if a caller chose its
 * port, so the kernel may judge a port it picks later too: only
 * successes are checked, and those it allows either way.
 */
static bool model_call_allows(const struct state *st, const struct ident *c,
			      enum space sp, unsigned int port, bool reuse)
{
	if (reuse && !port_chosen(port))
		return true;
	return model_allows(st, c, sp, port);
}

/* ---- shared between the processes ------------------------------- */

#define MAX_WORKERS 8
#define MAX_SOCKS 24			/* a worker's table */
#define NSMODELS 512			/* sockets in all tables, in flight */
#define NIDENTS (1 + 2 * MAX_WORKERS)	/* root, then each thread */
#define NNOTES 12
#define NOTE_LEN 240

enum how { H_UNBOUND, H_BOUND, H_AUTO };
enum kind { K_BIND, K_ASSOC, K_NR };
#define BIND_STATE(how, port) ((how) << 16 | (port))

/*
 * What the model knows of one socket, whichever workers hold it. Every
 * field that changes once the socket is shared is accessed atomically.
 */
struct smodel {
	int holders;		/* table entries and messages in flight */
	int proto, domain;	/* fuzz_protos[proto], created as */
	int creator, binder;	/* idents[]; binder -1: none yet */
	int passes;		/* times handed over */
	int bind;		/* BIND_STATE(how, port) */
	int seq[K_NR];		/* binds and associations started ... */
	int busy[K_NR];		/* ... and not finished */
};

struct counters {
	long ops, sockets, binds, binds_ok, binds_refused, uring, bindx,
		bindx0, bindx0_ok, connects, connectx, sendmsgs, assoc, assoc_ok,
		reuse_judged, listens, disconnects, closes, rxrpc, addrform,
		addrform_ok, addrform_races, reuseport, handed, received, moved,
		cross, cross_sctp, race_posted, race_met, bind_bind, assoc_bind,
		checked, spanning;
};

struct shared {
	uint32_t announced;		/* the state being written */
	uint32_t committed;		/* the state in force for sure */
	struct state states[NSTATES];
	int stop, quiet, ready, nworkers;
	struct ident idents[NIDENTS];
	struct smodel socks[NSMODELS];
	struct counters c[MAX_WORKERS];
	int violations, notes_lock, nnotes;
	struct {
		int count;
		char what[32];
		char text[NOTE_LEN];
	} notes[NNOTES];
	/* What each worker holds at the end, for the sock_diag sweep. */
	struct {
		int n;
		struct {
			unsigned long ino;
			unsigned short port;
		} s[MAX_SOCKS];
	} held[MAX_WORKERS];
	/*
	 * Ports a successful bind gave a socket: kernel sockets made for it
	 * (rxrpc's UDP socket, MPTCP subflows) and closed sockets that
	 * linger may hold them too.
	 */
	unsigned char bound[65536 / 8];
};

static struct shared *sh;
static __thread int me;		/* this thread's entry in sh->idents[] */

static const struct ident *self(void)
{
	return &sh->idents[me];
}

/* Counts a violation, and keeps the first note of each kind @what. */
static __printf(2, 3) void violation(const char *what, const char *fmt, ...)
{
	va_list ap;
	int n;

	__atomic_fetch_add(&sh->violations, 1, __ATOMIC_SEQ_CST);
	while (__atomic_exchange_n(&sh->notes_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
	for (n = 0; n < sh->nnotes; n++)
		if (!strcmp(sh->notes[n].what, what))
			break;
	if (n == sh->nnotes && n < NNOTES) {
		sh->nnotes++;
		snprintf(sh->notes[n].what, sizeof(sh->notes[n].what), "%s",
			 what);
		va_start(ap, fmt);
		vsnprintf(sh->notes[n].text, NOTE_LEN, fmt, ap);
		va_end(ap);
	}
	if (n < NNOTES)
		sh->notes[n].count++;
	__atomic_store_n(&sh->notes_lock, 0, __ATOMIC_RELEASE);
}

static uint32_t state_start(void)
{
	return __atomic_load_n(&sh->committed, __ATOMIC_SEQ_CST);
}

/* Was the call allowed to @c in any state from @c0 to now? */
static bool window_allows(struct counters *ct, uint32_t c0,
			  const struct ident *c, enum space sp,
			  unsigned int port, bool reuse)
{
	uint32_t a1 = __atomic_load_n(&sh->announced, __ATOMIC_SEQ_CST), k;

	ct->checked++;
	if (a1 != c0)
		ct->spanning++;
	if (a1 - c0 >= NSTATES / 2)
		return true;	/* cannot tell; never happens at our rates */
	for (k = c0; k != a1 + 1; k++)
		if (model_call_allows(&sh->states[k % NSTATES], c, sp, port,
				      reuse))
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

static unsigned short rnd_port(void)
{
	return fuzz_ports[rnd(ARRAY_SIZE(fuzz_ports))];
}

static const uid_t pool_uids[] = { 1001, 1002, 1003 };
static const gid_t pool_gids[] = { 1001, 1002, 1003, 3001, 3002 };

/* Root one time in four, else a user of the pool, maybe with the cap. */
static void rnd_ident(struct ident *id)
{
	memset(id, 0, sizeof(*id));
	id->cap = true;
	if (!rnd(4))
		return;
	id->uid = pool_uids[rnd(ARRAY_SIZE(pool_uids))];
	id->gid = pool_gids[rnd(ARRAY_SIZE(pool_gids))];
	id->ngroups = rnd(3);
	id->groups[0] = 3001 + rnd(2);
	id->groups[1] = 3002;
	id->cap = rnd(10) < 3;
}

static bool same_ident(const struct ident *a, const struct ident *b)
{
	return a->uid == b->uid && a->gid == b->gid && a->cap == b->cap &&
	       a->ngroups == b->ngroups &&
	       !memcmp(a->groups, b->groups, a->ngroups * sizeof(gid_t));
}

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
	int len, i, where = bad ? (int)rnd(st->nrules + 1) : -1;

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
				violation("policy",
					  "invalid policy: write %s, policy %s",
					  strerror(-ret),
					  strcmp(before, after) ? "changed" :
								  "unchanged");
		} else {
			policy_text(text, sizeof(text), &next, false);
			sh->states[(k + 1) % NSTATES] = next;
			__atomic_store_n(&sh->announced, k + 1, __ATOMIC_SEQ_CST);
			ret = write_file(PORTOWN_POLICY, text);
			if (ret) {
				violation("policy", "valid policy refused: %s\n%s",
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

/* A worker's table entry; the socket's model is sh->socks[m]. */
struct sock {
	bool used, closing;
	int refs;
	int fd, m;
};

enum race { RACE_IDLE, RACE_SETUP, RACE_POSTED, RACE_GO };
/* What a call on a socket does: an association, or a bind. */
enum call { A_CONNECT, A_CONNECTX, A_SENDMSG, A_BINDX0, A_BIND, A_NR };

struct worker {
	int idx;
	pthread_mutex_t lock;
	struct sock socks[MAX_SOCKS];
	unsigned short tcp_peer[2], sctp_peer[2];
	struct counters *ct;
	/* op_race(): a socket one thread posts for the other to hit too */
	int race, race_slot, race_call;
};

/* Unix datagram socketpairs: worker i reads [i][0], the others send to [i][1]. */
static int inbox[MAX_WORKERS][2];

static const struct proto_desc *const fuzz_protos[] = {
	&proto_tcp, &proto_udp, &proto_udplite, &proto_sctp, &proto_mptcp,
	&proto_dccp,
};

#define FUZZ_SCTP 3		/* fuzz_protos[FUZZ_SCTP] */

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

/*
 * One call on a socket: which calls on it, by any thread of any worker,
 * ran at the same time (span_end() returns their kinds as a mask). Counts
 * calls on sockets that changed hands, and under credentials other than
 * the creator's or the binder's.
 */
struct span {
	struct smodel *m;
	int kind, seq[K_NR], busy[K_NR];
};

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
	ret = setsockopt(w->socks[i].fd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD,
			 buf, len) ? -errno : 0;
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
		ret = setsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_CONNECTX, &ss,
				 len);
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

union fd_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

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

struct thread_arg {
	struct worker *w;
	uint64_t seed;
	int ident;
};

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

static int run_worker(struct worker *w, uint64_t seed)
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

/* ---- sock_diag (root, at the end) -------------------------------- */

static bool pool_uid(uid_t uid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pool_uids); i++)
		if (uid == pool_uids[i])
			return true;
	return false;
}

/* Every socket of a worker's uid must be one a worker accounted for. */
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
			if (!pool_uid(m->idiag_uid))
				continue;
			(*seen)++;
			for (wi = 0; wi < sh->nworkers; wi++) {
				for (k = 0; k < sh->held[wi].n; k++)
					if (sh->held[wi].s[k].ino == m->idiag_inode)
						break;
				if (k < sh->held[wi].n)
					break;
			}
			if (wi < sh->nworkers) {
				if (port && port != sh->held[wi].s[k].port)
					violation("sock_diag",
						  "sock_diag: port %u, getsockname said %u",
						  port, sh->held[wi].s[k].port);
				continue;
			}
			/*
			 * A kernel socket made for a worker (an MPTCP subflow,
			 * rxrpc's UDP socket), or one closed that lingers: on a
			 * port a successful bind gave.
			 */
			if (!port_chosen(port) || sh->bound[port / 8] & (1 << (port % 8)))
				continue;
			violation("sock_diag",
				  "sock_diag: stray %s port %u, uid %u (ino %u, state %u)",
				  protocol == IPPROTO_TCP ? "tcp" :
				  protocol == IPPROTO_SCTP ? "sctp" : "udp",
				  port, m->idiag_uid, m->idiag_inode,
				  m->idiag_state);
		}
	}
	close(fd);
	return 0;
}

/* ---- main -------------------------------------------------------- */

static int listen_on(int domain, int type, int protocol)
{
	struct sockaddr_storage ss;
	socklen_t len = set_sockaddr(&ss, domain, "loopback", 0);
	int fd = socket(domain, type, protocol);

	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) ||
	    listen(fd, 4096))
		return 0;
	return local_port(fd);
}

/*
 * Keeps autobinding off fuzz_ports[] (see port_chosen()): reads the
 * ephemeral range and reserves the ports of the list within it. @saved
 * gets the reserved ports to put back.
 */
static void reserve_ports(char *saved, size_t size)
{
	char buf[1024];
	size_t i;
	int len;

	if (read_file(LOCAL_RANGE, buf, sizeof(buf)) > 0)
		sscanf(buf, "%u %u", &eph_lo, &eph_hi);
	if (read_file(RESERVED_PORTS, saved, size) < 0) {
		saved[0] = '\0';
		return;
	}
	saved[strcspn(saved, "\n")] = '\0';
	len = snprintf(buf, sizeof(buf), "%s", saved);
	for (i = 1; i < ARRAY_SIZE(fuzz_ports); i++)
		if (ephemeral(fuzz_ports[i]))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%u",
					len ? "," : "", fuzz_ports[i]);
	eph_reserved = !write_file(RESERVED_PORTS, strcat(buf, "\n"));
}

static void print_ident(const char *sep, const struct ident *c)
{
	if (!c->uid)
		printf("%sroot", sep);
	else
		printf("%suid %u gid %u, %d groups, %s", sep, c->uid, c->gid,
		       c->ngroups, c->cap ? "CAP_NET_BIND_SERVICE" : "no capability");
}

static void print_counts(const struct counters *t)
{
	printf("# ops: %ld calls: %ld sockets, %ld binds (%ld io_uring; ",
	       t->ops, t->sockets, t->binds, t->uring);
	printf("%ld allowed, %ld refused), %ld sctp_bindx (%ld port 0 on a ",
	       t->binds_ok, t->binds_refused, t->bindx, t->bindx0);
	printf("bound endpoint, %ld made), %ld rxrpc binds, %ld closes\n",
	       t->bindx0_ok, t->rxrpc, t->closes);
	printf("# ops: %ld connects, %ld sctp_connectx, %ld sendmsg, ",
	       t->connects, t->connectx, t->sendmsgs);
	printf("%ld listens, %ld disconnects; %ld SCTP associations tried, ",
	       t->listens, t->disconnects, t->assoc);
	printf("%ld made, %ld judged on a port a caller chose\n", t->assoc_ok,
	       t->reuse_judged);
	printf("# ops: %ld sockets handed over (SCM_RIGHTS), %ld received, ",
	       t->handed, t->received);
	printf("%ld calls on sockets that changed hands, ", t->moved);
	printf("%ld cross-credential calls (%ld on SCTP sockets)\n", t->cross,
	       t->cross_sctp);
	printf("# ops: races: %ld posted, %ld met; %ld binds overlapping a ",
	       t->race_posted, t->race_met, t->bind_bind);
	printf("bind, %ld associations overlapping a bind of the socket; ",
	       t->assoc_bind);
	printf("%ld IPV6_ADDRFORM (%ld flipped, %ld racing), %ld SO_REUSEPORT\n",
	       t->addrform, t->addrform_ok, t->addrform_races, t->reuseport);
}

int main(int argc, char **argv)
{
	int seconds = 60, nworkers = 4, opt, i, ret, status, failed = 0;
	uint64_t seed = time(NULL);
	struct writer_stats ws = {};
	struct counters tot = {};
	unsigned short tcp_peer[2], sctp_peer[2];
	char reserved[1024];
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
	reserve_ports(reserved, sizeof(reserved));
	if (!eph_reserved)
		printf("# could not reserve the ports in %u-%u: those are not judged as chosen\n",
		       eph_lo, eph_hi);

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
	sh->idents[0].cap = true;	/* root */
	for (i = 0; i < nworkers; i++)
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, inbox[i]))
			return 1;
	for (i = 0; i < nworkers; i++) {
		struct worker *w = calloc(1, sizeof(*w));

		if (!w)
			return 1;
		w->idx = i;
		w->ct = &sh->c[i];
		rnd_ident(&sh->idents[1 + 2 * i]);
		rnd_ident(&sh->idents[2 + 2 * i]);
		memcpy(w->tcp_peer, tcp_peer, sizeof(tcp_peer));
		memcpy(w->sctp_peer, sctp_peer, sizeof(sctp_peer));
		printf("# worker %d: ", i);
		print_ident("", &sh->idents[1 + 2 * i]);
		print_ident("; ", &sh->idents[2 + 2 * i]);
		printf("\n");
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
	/* Workers take in what is on its way, sweep, then wait for sock_diag. */
	for (i = 0; i < 1200 && __atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) <
	     nworkers; i++)
		usleep(100000);
	for (i = 0; i < 2; i++) {
		static const int protocols[] = { IPPROTO_TCP, IPPROTO_UDP,
						 IPPROTO_UDPLITE, IPPROTO_SCTP };
		size_t p;

		for (p = 0; p < ARRAY_SIZE(protocols); p++) {
			ret = diag_sweep(i ? AF_INET6 : AF_INET, protocols[p],
					 &seen);
			if (ret && !(protocols[p] == IPPROTO_SCTP &&
				     ret == -EPROTONOSUPPORT))
				violation("sock_diag", "sock_diag %d/%d: %s", i,
					  protocols[p], strerror(-ret));
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
	if (eph_reserved &&
	    write_file(RESERVED_PORTS, strcat(reserved, "\n")))
		printf("# could not restore %s\n", RESERVED_PORTS);

	for (i = 0; i < nworkers; i++) {
		long *a = (long *)&tot, *b = (long *)&sh->c[i];
		size_t k;

		for (k = 0; k < sizeof(tot) / sizeof(long); k++)
			a[k] += b[k];
	}
	print_counts(&tot);
	printf("# %ld policies, %ld mode flips, %ld invalid policies; ",
	       ws.writes, ws.modes, ws.invalid);
	printf("%ld results checked, %ld of them spanning a policy change\n",
	       tot.checked, tot.spanning);
	for (i = 0; i < sh->nnotes; i++)
		printf("# violation (%d times): %s\n", sh->notes[i].count,
		       sh->notes[i].text);

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
