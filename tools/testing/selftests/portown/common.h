/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown selftest helpers
 *
 * Everything here uses libc and raw system calls only (no libcap,
 * liburing or libsctp), so that the tests link statically. The
 * functions live in common.c, linked into each program; what asserts
 * (and so needs the harness) stays inline here.
 *
 * The tests run as root.  Whatever must run with other credentials runs
 * in a forked child that drops its privileges first (see run_child()).
 * Children never use the harness macros: they report through a shared
 * result array, and the parent asserts.
 */

#ifndef _PORTOWN_SELFTEST_COMMON_H
#define _PORTOWN_SELFTEST_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

/*
 * The harness defines non-static functions: only a test program's own
 * file may include it. common.c and the units of portown_fuzz and
 * portown_grid, which have their own main(), define PORTOWN_NO_HARNESS.
 */
#ifdef PORTOWN_NO_HARNESS
#include "../kselftest.h"		/* ARRAY_SIZE(), __printf() */
#else
#include "../kselftest_harness.h"
#endif

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef IPPROTO_SMC
#define IPPROTO_SMC 256
#endif
#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif
#ifndef IPPROTO_DCCP
#define IPPROTO_DCCP 33
#endif
#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif
#ifndef __NR_lsm_list_modules
#define __NR_lsm_list_modules 461
#endif
#ifndef LSM_ID_PORTOWN
#define LSM_ID_PORTOWN 114
#endif

#define PORTOWN_DIR "/sys/kernel/security/portown"
#define PORTOWN_POLICY PORTOWN_DIR "/policy"
#define PORTOWN_ENFORCE PORTOWN_DIR "/enforce"
#define PORTOWN_LOCK PORTOWN_DIR "/lock"
#define PORTOWN_STATS PORTOWN_DIR "/stats"
#define PORT_START_SYSCTL "/proc/sys/net/ipv4/ip_unprivileged_port_start"

#define EMPTY_POLICY "reserved 1024\n"

/* Identities used by the tests; none of them needs to exist in passwd. */
#define UID_OWNER 1001
#define GID_OWNER 1001
#define UID_OTHER 1002
#define GID_OTHER 1002
#define UID_THIRD 1003
#define GID_THIRD 1003
#define GID_GROUP 3001
#define GID_NOGROUP 3002

/* Result codes a child reports for its own (not the tested) failures. */
#define R_UNSET (-10000)
#define R_PRIV (-10001)		/* could not drop privileges */
#define R_SOCKET (-11000)	/* R_SOCKET - errno: socket() failed */
#define R_IOU_SETUP (-12000)	/* R_IOU_SETUP - errno: io_uring_setup() */
#define R_IOU (-13000)		/* other io_uring trouble */
#define R_OPEN (-14000)		/* R_OPEN - errno: open() failed */
#define R_MISC (-15000)		/* R_MISC - errno: anything else */

/* ---- files (common.c) ------------------------------------------- */

/*
 * Reads a whole file into buf (NUL terminated).  Returns the length, or
 * -errno.  buf_size must leave room for the terminator.
 */
ssize_t read_file(const char *path, char *buf, size_t buf_size);
/* Writes buf with exactly one write(2).  Returns 0 or -errno. */
int write_fd_once(int fd, const void *buf, size_t len);
/* Opens path, writes buf with one write(2), closes.  0 or -errno. */
int write_file_len(const char *path, const void *buf, size_t len);
int write_file(const char *path, const char *str);
bool portown_active(void);
bool portown_locked(void);
/*
 * kmsg_find - a /dev/kmsg record holding every string of @needles (a NULL
 * terminated list) and @extra, unless NULL. Reads @fd to its end, then again
 * every 100 ms, @tries times in all. EPIPE (records overwritten before they
 * were read) is skipped over.
 */
bool kmsg_find(int fd, const char *const *needles, const char *extra,
	       int tries);

/*
 * The policy and mode in force when the test program started, put back by
 * every fixture's teardown, so that the tests leave a live host as they
 * found it. Taken by a constructor in common.c, before the harness forks
 * any test.
 */
#define POLICY_MAX_READ (4 << 20)	/* more than any canonical policy */

struct portown_saved {
	bool saved;
	char *policy;
	size_t len;
	char enforce[2];
};

extern struct portown_saved portown_saved;

/* Puts back what was saved. 0 or -errno. */
int portown_restore_state(void);

/*
 * The ports below 1024 that the bind tests give an owner, leave unowned
 * and give a group. They are chosen when the program starts (a
 * constructor in common.c), among ports that nothing on the host holds:
 * the tests must not depend on what a live host's services bind (nginx
 * on 80, say). Each is the first free one of its series (80, 180, ...;
 * 81, 181, ...; 500, 510, ...), all below 599, which the
 * reserved-boundary tests take as the last port below "reserved 600".
 */
enum { LOW_OWNED, LOW_FREE, LOW_GROUP, LOW_NR };

extern int low_ports[LOW_NR];

#define P_OWNED_LOW (low_ports[LOW_OWNED])	/* uid UID_OWNER */
#define P_FREE_LOW (low_ports[LOW_FREE])	/* unowned, below reserved */
#define P_GROUP_LOW (low_ports[LOW_GROUP])	/* gid GID_GROUP */

/* ---- stats ------------------------------------------------------- */

struct stats {
	long long checked;
	long long allowed;
	long long allowed_owner;
	long long allowed_capability;
	long long denied;
	long long logged;
	long long policy_loads;
	long long policy_errors;
	long long rules;
};

extern const char *const stats_names[];

/*
 * Parses the stats file, which must hold exactly the names above in
 * this order, one "name value\n" a line.  Returns 0, or -EBADMSG when
 * the format is wrong, or the read error.
 */
int read_stats(struct stats *s);
/* after - before for the counter at offset in struct stats. */
long long stats_delta(const struct stats *after, const struct stats *before,
		      size_t offset);

/* ---- credentials ------------------------------------------------- */

struct creds {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[4];
	/* Keep CAP_NET_BIND_SERVICE (and nothing else). */
	bool cap_bind;
};

int capset_raw(__u32 eff_lo, __u32 perm_lo);
int capget_raw(struct __user_cap_data_struct data[2]);
/* Removes one capability from the effective set, keeping the rest. */
int drop_effective_cap(int cap);
/*
 * Switches the calling (single-threaded, root) process to @c: groups,
 * gids, uids, then a capability set that is empty or holds only
 * CAP_NET_BIND_SERVICE.  Returns 0 or -1.
 */
int drop_privileges(const struct creds *c);

/* Frequently used identities. */
extern const struct creds owner_creds, other_creds, other_cap_creds;

/* ---- children ---------------------------------------------------- */

#define MAX_RESULTS 64

typedef void (*child_fn_t)(const void *arg, int *res);

/*
 * Runs fn(arg, res) in a forked child that first drops to @c (NULL:
 * stays root with all capabilities).  res points to MAX_RESULTS ints
 * shared with the parent, preset to R_UNSET.  Returns 0 when the child
 * ran and exited normally, or -1.
 */
int run_child(const struct creds *c, child_fn_t fn, const void *arg,
	      int *res);
/* Human readable form of a bind result, for the logs. */
const char *result_str(int r);

/* ---- sockets ----------------------------------------------------- */

/*
 * Fills @ss with an address of @family: @what is "any", "loopback" or,
 * for AF_INET6, "mapped-loopback" (::ffff:127.0.0.1). Returns its length.
 */
int set_sockaddr(struct sockaddr_storage *ss, int family, const char *what,
		 unsigned short port);
/* The local port of fd, or R_MISC - errno. */
int local_port(int fd);

struct proto_desc {
	const char *name;
	/* Policy keyword of the port space the protocol lives in. */
	const char *class;
	/* A different policy keyword, for cross-protocol checks. */
	const char *other_class;
	int type;
	int protocol;
};

extern const struct proto_desc proto_tcp, proto_udp, proto_udplite,
	proto_sctp, proto_mptcp, proto_smc, proto_dccp;

enum family {
	FAM_IPV4,	/* AF_INET socket, sockaddr_in */
	FAM_IPV6,	/* AF_INET6 socket, sockaddr_in6 :: */
	FAM_V4MAPPED,	/* AF_INET6 socket, ::ffff:0.0.0.0 */
	FAM_UNSPEC,	/* AF_INET socket, AF_UNSPEC + INADDR_ANY */
};

int family_domain(enum family fam);
/* Fills ss with the wildcard address of fam and port.  Returns its size. */
socklen_t fill_addr(struct sockaddr_storage *ss, enum family fam,
		    unsigned short port);
/* Opens a socket of proto/fam; returns the fd or -errno. */
int open_socket(const struct proto_desc *proto, enum family fam);
/* Errnos of socket() that mean "this kernel lacks the protocol". */
bool errno_unsupported(int err);
/*
 * Binds a new socket of proto/fam to port.  addrlen_delta shortens the
 * address (malformed sockaddr tests).  Returns 0, the bind errno, or
 * R_SOCKET - errno.
 */
int try_bind(const struct proto_desc *proto, enum family fam,
	     unsigned short port, int addrlen_delta);

/* A list of binds a child performs, each reported in res[i]. */
struct bind_job {
	const struct proto_desc *proto;
	enum family fam;
	int addrlen_delta;
	int nports;
	unsigned short ports[MAX_RESULTS];
};

void bind_job_fn(const void *arg, int *res);

/* One bind of a hand-made address, in a child. */
struct raw_bind_job {
	const struct proto_desc *proto;
	int domain;
	bool v6only;
	socklen_t len;
	struct sockaddr_storage ss;
};

void raw_bind_fn(const void *arg, int *res);

/* ---- policy text helpers ---------------------------------------- */

/* Appends printf output to a growing buffer; aborts on overflow. */
struct strbuf {
	char *buf;
	size_t len, size;
};

void sb_init(struct strbuf *sb, size_t size);
__printf(2, 3) void sb_printf(struct strbuf *sb, const char *fmt, ...);
void sb_free(struct strbuf *sb);

#ifndef PORTOWN_NO_HARNESS

/* ---- harness glue ------------------------------------------------ */

/* Large enough for any policy the tests write except the huge ones. */
#define POLICY_BUF_SIZE 65536

/* Asserts that the policy file reads back exactly as expected. */
#define ASSERT_POLICY(expected)						\
	do {								\
		char _pbuf[POLICY_BUF_SIZE];				\
		ssize_t _plen = read_file(PORTOWN_POLICY, _pbuf,	\
					  sizeof(_pbuf));		\
		ASSERT_LE(0, _plen);					\
		ASSERT_STREQ(expected, _pbuf);				\
	} while (0)

#define EXPECT_POLICY(expected)						\
	do {								\
		char _pbuf[POLICY_BUF_SIZE];				\
		ssize_t _plen = read_file(PORTOWN_POLICY, _pbuf,	\
					  sizeof(_pbuf));		\
		EXPECT_LE(0, _plen);					\
		EXPECT_STREQ(expected, _pbuf);				\
	} while (0)

#define ASSERT_FILE(path, expected)					\
	do {								\
		char _fbuf[256];					\
		ssize_t _flen = read_file(path, _fbuf, sizeof(_fbuf));	\
		ASSERT_LE(0, _flen);					\
		ASSERT_STREQ(expected, _fbuf);				\
	} while (0)

#define EXPECT_FILE(path, expected)					\
	do {								\
		char _fbuf[256];					\
		ssize_t _flen = read_file(path, _fbuf, sizeof(_fbuf));	\
		EXPECT_LE(0, _flen);					\
		EXPECT_STREQ(expected, _fbuf);				\
	} while (0)

/* Loads a policy (as root) and asserts it was accepted. */
#define SET_POLICY(text)						\
	do {								\
		const char *_stext = (text);				\
		int _sret = write_file(PORTOWN_POLICY, _stext);		\
		ASSERT_EQ(0, _sret)					\
		{							\
			TH_LOG("policy write failed: %s\n%s",		\
			       strerror(-_sret), _stext);		\
		}							\
	} while (0)

#define SET_ENFORCE(on) \
	ASSERT_EQ(0, write_file(PORTOWN_ENFORCE, (on) ? "1" : "0"))

/*
 * Common fixture setup: SKIP when portown is not active or when the
 * policy is locked (lock_test ran earlier in this boot), otherwise make
 * sure the module enforces.  Policy and enforce are restored by
 * portown_teardown().  Returns false when the test was skipped: the
 * calling FIXTURE_SETUP() must then return at once.
 */
static inline bool portown_setup(struct __test_metadata *_metadata)
{
	if (!portown_active())
		SKIP(return false, "portown is not active (no %s)",
		     PORTOWN_POLICY);
	if (portown_locked())
		SKIP(return false, "portown is locked until reboot");
	ASSERT_TRUE(portown_saved.saved)
	{
		TH_LOG("could not save the policy and mode in force (not root?)");
	}
	ASSERT_EQ(0, write_file(PORTOWN_ENFORCE, "1"));
	return true;
}

/* Puts back the policy and mode in force before the program started. */
static inline void portown_teardown(struct __test_metadata *_metadata)
{
	/* Nothing was changed when setup skipped. */
	if (!portown_active() || portown_locked() || !portown_saved.saved)
		return;
	EXPECT_EQ(0, portown_restore_state());
}

/* STATS_DELTA(after, before, denied): how much "denied" grew. */
#define STATS_DELTA(after, before, field)				\
	stats_delta(&(after), &(before), offsetof(struct stats, field))

/*
 * check_binds(creds, proto, fam, {port, expected}, ...): binds each port
 * from one child with creds and checks each result.  expected is 0 or an
 * errno.
 */
struct port_expect {
	unsigned short port;
	int expected;
};

static inline void
_check_binds(struct __test_metadata *_metadata, int line,
	     const struct creds *c, const struct proto_desc *proto,
	     enum family fam, int addrlen_delta, const struct port_expect *pe,
	     int n)
{
	struct bind_job job = {
		.proto = proto,
		.fam = fam,
		.addrlen_delta = addrlen_delta,
		.nports = n,
	};
	int res[MAX_RESULTS], i;

	ASSERT_GE(MAX_RESULTS, n);
	for (i = 0; i < n; i++)
		job.ports[i] = pe[i].port;
	ASSERT_EQ(0, run_child(c, bind_job_fn, &job, res))
	{
		TH_LOG("line %d: child failed: %s", line, result_str(res[0]));
	}
	for (i = 0; i < n; i++) {
		EXPECT_EQ(pe[i].expected, res[i])
		{
			TH_LOG("line %d: %s port %u as uid %d%s: expected %s, got %s",
			       line, proto->name, pe[i].port,
			       c ? (int)c->uid : 0,
			       c ? (c->cap_bind ? " +CAP_NET_BIND_SERVICE" :
				    "") : " (root)",
			       pe[i].expected ? strerror(pe[i].expected) :
						"success",
			       result_str(res[i]));
		}
	}
}

#define PE(...) ((const struct port_expect[]){ __VA_ARGS__ })
#define PE_COUNT(...) ((int)ARRAY_SIZE(PE(__VA_ARGS__)))

/* CHECK_BINDS(creds, proto, fam, {port, err}, {port, err}, ...) */
#define CHECK_BINDS(c, proto, fam, ...)					\
	_check_binds(_metadata, __LINE__, c, proto, fam, 0, PE(__VA_ARGS__), \
		     PE_COUNT(__VA_ARGS__))

#define CHECK_BINDS_SHORT(c, proto, fam, delta, ...)			\
	_check_binds(_metadata, __LINE__, c, proto, fam, delta,		\
		     PE(__VA_ARGS__), PE_COUNT(__VA_ARGS__))

/* The result of raw_bind_fn() as @c, asserted to be @expected. */
static inline void _check_raw_bind(struct __test_metadata *_metadata,
				   int line, const struct creds *c,
				   const struct raw_bind_job *job, int expected,
				   const char *what)
{
	int res[MAX_RESULTS];

	ASSERT_EQ(0, run_child(c, raw_bind_fn, job, res))
	{
		TH_LOG("line %d: child failed: %s", line, result_str(res[0]));
	}
	EXPECT_EQ(expected, res[0])
	{
		TH_LOG("line %d: %s %s as uid %d: expected %s, got %s", line,
		       job->proto->name, what, (int)c->uid,
		       expected ? strerror(expected) : "success",
		       result_str(res[0]));
	}
}

#define CHECK_RAW_BIND(c, job, expected, what)				\
	_check_raw_bind(_metadata, __LINE__, c, job, expected, what)

#endif /* PORTOWN_NO_HARNESS */

#endif /* _PORTOWN_SELFTEST_COMMON_H */
