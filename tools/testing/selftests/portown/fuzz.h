/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown_fuzz: what its units share (portown_fuzz.c: sock_diag and
 * main(); fuzz_model.c: the model, the shared memory, the random source
 * and the policy writer; fuzz_ops.c: the workers and their operations).
 */

#ifndef _PORTOWN_FUZZ_H
#define _PORTOWN_FUZZ_H

#define PORTOWN_NO_HARNESS	/* main() is ours */
#include "common.h"
#include "wrappers.h"

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

struct writer_stats {
	long writes, modes, invalid, invalid_ok, errors;
};

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

#define FUZZ_SCTP 3		/* fuzz_protos[FUZZ_SCTP] */

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

union fd_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

struct thread_arg {
	struct worker *w;
	uint64_t seed;
	int ident;
};

/* ---- between the units ------------------------------------------ */

/* fuzz_model.c */
extern const unsigned short fuzz_ports[];
extern unsigned int eph_lo, eph_hi;
extern bool eph_reserved;
extern struct shared *sh;
extern __thread int me;
extern __thread uint64_t rng;

bool port_chosen(unsigned int port);
const struct ident *self(void);
__printf(2, 3) void violation(const char *what, const char *fmt, ...);
uint32_t state_start(void);
bool window_allows(struct counters *ct, uint32_t c0,
		   const struct ident *c, enum space sp,
		   unsigned int port, bool reuse);
uint32_t rnd(uint32_t n);
unsigned short rnd_port(void);
void rnd_ident(struct ident *id);
bool same_ident(const struct ident *a, const struct ident *b);
void run_writer(time_t deadline, struct writer_stats *ws);
bool pool_uid(uid_t uid);
void reserve_ports(char *saved, size_t size);

/* fuzz_ops.c */
extern int inbox[MAX_WORKERS][2];
int run_worker(struct worker *w, uint64_t seed);

#endif /* _PORTOWN_FUZZ_H */
