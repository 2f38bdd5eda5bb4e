/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown selftest helpers
 *
 * Everything here uses libc and raw system calls only (no libcap,
 * liburing or libsctp), so that the tests link statically.
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

#include "../kselftest_harness.h"

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
#ifndef SCTP_SOCKOPT_BINDX_ADD
#define SCTP_SOCKOPT_BINDX_ADD 100	/* linux/sctp.h */
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

/* ---- files ------------------------------------------------------- */

/*
 * Reads a whole file into buf (NUL terminated).  Returns the length, or
 * -errno.  buf_size must leave room for the terminator.
 */
static inline ssize_t read_file(const char *path, char *buf,
				size_t buf_size)
{
	size_t len = 0;
	ssize_t ret;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 1 >= buf_size) {
			close(fd);
			return -EFBIG;
		}
		ret = read(fd, buf + len, buf_size - 1 - len);
		if (ret < 0) {
			ret = -errno;
			close(fd);
			return ret;
		}
		if (!ret)
			break;
		len += ret;
	}
	buf[len] = '\0';
	close(fd);
	return len;
}

/* Writes buf with exactly one write(2).  Returns 0 or -errno. */
static inline int write_fd_once(int fd, const void *buf, size_t len)
{
	ssize_t ret;

	ret = write(fd, buf, len);
	if (ret < 0)
		return -errno;
	if ((size_t)ret != len)
		return -EIO;
	return 0;
}

/* Opens path, writes buf with one write(2), closes.  0 or -errno. */
static inline int write_file_len(const char *path, const void *buf,
				 size_t len)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write_fd_once(fd, buf, len);
	close(fd);
	return ret;
}

static inline int write_file(const char *path, const char *str)
{
	return write_file_len(path, str, strlen(str));
}

static inline bool portown_active(void)
{
	struct stat st;

	return !stat(PORTOWN_POLICY, &st);
}

static inline bool portown_locked(void)
{
	char buf[16];

	return read_file(PORTOWN_LOCK, buf, sizeof(buf)) > 0 &&
	       !strcmp(buf, "1\n");
}

/*
 * kmsg_find - a /dev/kmsg record holding every string of @needles (a NULL
 * terminated list) and @extra, unless NULL. Reads @fd to its end, then again
 * every 100 ms, @tries times in all. EPIPE (records overwritten before they
 * were read) is skipped over.
 */
static inline bool kmsg_find(int fd, const char *const *needles,
			     const char *extra, int tries)
{
	char rec[8192];
	int i;

	while (tries-- > 0) {
		for (;;) {
			ssize_t n = read(fd, rec, sizeof(rec) - 1);

			if (n < 0 && errno == EPIPE)
				continue;
			if (n <= 0)
				break;
			rec[n] = '\0';
			for (i = 0; needles[i]; i++)
				if (!strstr(rec, needles[i]))
					break;
			if (!needles[i] && (!extra || strstr(rec, extra)))
				return true;
		}
		if (tries)
			usleep(100000);
	}
	return false;
}

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
 * The policy and mode in force when the test program started, put back by
 * every fixture's teardown, so that the tests leave a live host as they
 * found it. Taken by a constructor, before the harness forks any test.
 */
#define POLICY_MAX_READ (4 << 20)	/* more than any canonical policy */

static struct {
	bool saved;
	char *policy;
	size_t len;
	char enforce[2];
} portown_saved;

static void __attribute__((constructor)) portown_save_state(void)
{
	char buf[16];
	ssize_t len;

	if (geteuid() || !portown_active())
		return;
	portown_saved.policy = malloc(POLICY_MAX_READ);
	if (!portown_saved.policy)
		return;
	len = read_file(PORTOWN_POLICY, portown_saved.policy, POLICY_MAX_READ);
	if (len < 0 || read_file(PORTOWN_ENFORCE, buf, sizeof(buf)) != 2 ||
	    (buf[0] != '0' && buf[0] != '1')) {
		free(portown_saved.policy);
		portown_saved.policy = NULL;
		return;
	}
	portown_saved.len = len;
	portown_saved.enforce[0] = buf[0];
	portown_saved.saved = true;
}

/*
 * The ports below 1024 that the bind tests give an owner, leave unowned
 * and give a group. They are chosen when the program starts, among ports
 * that nothing on the host holds: the tests must not depend on what a
 * live host's services bind (nginx on 80, say). Each is the first free
 * one of its series (80, 180, ...; 81, 181, ...; 500, 510, ...), all
 * below 599, which the reserved-boundary tests take as the last port
 * below "reserved 600".
 */
enum { LOW_OWNED, LOW_FREE, LOW_GROUP, LOW_NR };

static int low_ports[LOW_NR] = { 80, 81, 500 };

#define P_OWNED_LOW (low_ports[LOW_OWNED])	/* uid UID_OWNER */
#define P_FREE_LOW (low_ports[LOW_FREE])	/* unowned, below reserved */
#define P_GROUP_LOW (low_ports[LOW_GROUP])	/* gid GID_GROUP */

#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif

/* Whether no socket holds @port in any port space the tests bind in. */
static bool port_free_on_host(int port)
{
	static const int kinds[][2] = {
		{ SOCK_STREAM, IPPROTO_TCP }, { SOCK_DGRAM, IPPROTO_UDP },
		{ SOCK_STREAM, IPPROTO_SCTP }, { SOCK_DCCP, 33 /* DCCP */ },
	};
	static const int families[] = { AF_INET, AF_INET6 };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	bool held = false;
	size_t k, f;
	int fd;

	in4.sin_port = htons(port);
	in6.sin6_port = htons(port);
	for (k = 0; k < ARRAY_SIZE(kinds) && !held; k++) {
		for (f = 0; f < 2 && !held; f++) {
			fd = socket(families[f], kinds[k][0], kinds[k][1]);
			if (fd < 0)
				continue;	/* not built, or no IPv6 */
			if (families[f] == AF_INET ?
			    bind(fd, (struct sockaddr *)&in4, sizeof(in4)) :
			    bind(fd, (struct sockaddr *)&in6, sizeof(in6)))
				held = errno == EADDRINUSE;
			close(fd);
		}
	}
	return !held;
}

static void __attribute__((constructor)) portown_pick_low_ports(void)
{
	static const int first[LOW_NR] = { 80, 81, 500 };
	static const int step[LOW_NR] = { 100, 100, 10 };
	int i, k;

	if (geteuid())
		return;
	for (i = 0; i < LOW_NR; i++) {
		for (k = 0; k < 5; k++) {
			if (port_free_on_host(first[i] + k * step[i])) {
				low_ports[i] = first[i] + k * step[i];
				break;
			}
		}
		if (k == 5)
			printf("# ports %d, %d, ... are all in use on this host\n",
			       first[i], first[i] + step[i]);
		else if (k)
			printf("# port %d is in use on this host: the tests use %d\n",
			       first[i], low_ports[i]);
	}
}

/* Puts back what portown_save_state() saw. 0 or -errno. */
static inline int portown_restore_state(void)
{
	int ret;

	if (!portown_saved.saved)
		return -ENODATA;
	ret = write_file_len(PORTOWN_POLICY, portown_saved.policy,
			     portown_saved.len);
	if (!ret)
		ret = write_file_len(PORTOWN_ENFORCE, portown_saved.enforce, 1);
	return ret;
}

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

static const char *const stats_names[] = {
	"checked", "allowed", "allowed_owner", "allowed_capability",
	"denied", "logged", "policy_loads", "policy_errors", "rules",
};

/*
 * Parses the stats file, which must hold exactly the names above in
 * this order, one "name value\n" a line.  Returns 0, or -EBADMSG when
 * the format is wrong, or the read error.
 */
static inline int read_stats(struct stats *s)
{
	long long *const fields[] = {
		&s->checked, &s->allowed, &s->allowed_owner,
		&s->allowed_capability, &s->denied, &s->logged,
		&s->policy_loads, &s->policy_errors, &s->rules,
	};
	char buf[1024], *p = buf;
	ssize_t len;
	size_t i;

	len = read_file(PORTOWN_STATS, buf, sizeof(buf));
	if (len < 0)
		return len;
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		size_t nlen = strlen(stats_names[i]);
		char *end;

		if (strncmp(p, stats_names[i], nlen) || p[nlen] != ' ')
			return -EBADMSG;
		p += nlen + 1;
		if (*p < '0' || *p > '9')
			return -EBADMSG;
		errno = 0;
		*fields[i] = strtoll(p, &end, 10);
		if (errno || *end != '\n')
			return -EBADMSG;
		p = end + 1;
	}
	return *p ? -EBADMSG : 0;
}

/* after - before for the counter at offset in struct stats. */
static inline long long stats_delta(const struct stats *after,
				    const struct stats *before, size_t offset)
{
	const long long *a = (const void *)((const char *)after + offset);
	const long long *b = (const void *)((const char *)before + offset);

	return *a - *b;
}

/* STATS_DELTA(after, before, denied): how much "denied" grew. */
#define STATS_DELTA(after, before, field)				\
	stats_delta(&(after), &(before), offsetof(struct stats, field))

/* ---- credentials ------------------------------------------------- */

struct creds {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[4];
	/* Keep CAP_NET_BIND_SERVICE (and nothing else). */
	bool cap_bind;
};

static inline int capset_raw(__u32 eff_lo, __u32 perm_lo)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	data[0].effective = eff_lo;
	data[0].permitted = perm_lo;
	return syscall(__NR_capset, &hdr, data);
}

static inline int capget_raw(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	return syscall(__NR_capget, &hdr, data);
}

/* Removes one capability from the effective set, keeping the rest. */
static inline int drop_effective_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(__NR_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
	return syscall(__NR_capset, &hdr, data);
}

/*
 * Switches the calling (single-threaded, root) process to @c: groups,
 * gids, uids, then a capability set that is empty or holds only
 * CAP_NET_BIND_SERVICE.  Returns 0 or -1.
 */
static inline int drop_privileges(const struct creds *c)
{
	const __u32 bind_cap = CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	struct __user_cap_data_struct data[2];
	__u32 want = c->cap_bind ? bind_cap : 0;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		return -1;
	if (c->cap_bind && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -1;
	if (setgroups(c->ngroups, c->groups))
		return -1;
	if (setresgid(c->gid, c->gid, c->gid))
		return -1;
	if (setresuid(c->uid, c->uid, c->uid))
		return -1;
	if (capset_raw(want, want))
		return -1;
	if (c->cap_bind && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return -1;
	/* Double check: exactly the wanted set, in both words. */
	if (capget_raw(data))
		return -1;
	if (data[0].effective != want || data[0].permitted != want ||
	    data[1].effective || data[1].permitted)
		return -1;
	return 0;
}

/* Frequently used identities. */
static const struct creds owner_creds = {
	.uid = UID_OWNER, .gid = GID_OWNER,
};

static const struct creds other_creds = {
	.uid = UID_OTHER, .gid = GID_OTHER,
};

static const struct creds other_cap_creds = {
	.uid = UID_OTHER, .gid = GID_OTHER, .cap_bind = true,
};

/* ---- children ---------------------------------------------------- */

#define MAX_RESULTS 64

typedef void (*child_fn_t)(const void *arg, int *res);

/*
 * Runs fn(arg, res) in a forked child that first drops to @c (NULL:
 * stays root with all capabilities).  res points to MAX_RESULTS ints
 * shared with the parent, preset to R_UNSET.  Returns 0 when the child
 * ran and exited normally, or -1.
 */
static inline int run_child(const struct creds *c, child_fn_t fn,
			    const void *arg, int *res)
{
	int *shared, status, i;
	pid_t pid;

	shared = mmap(NULL, MAX_RESULTS * sizeof(int), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -1;
	for (i = 0; i < MAX_RESULTS; i++)
		shared[i] = R_UNSET;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		munmap(shared, MAX_RESULTS * sizeof(int));
		return -1;
	}
	if (!pid) {
		if (c && drop_privileges(c)) {
			shared[0] = R_PRIV;
			_exit(1);
		}
		fn(arg, shared);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	memcpy(res, shared, MAX_RESULTS * sizeof(int));
	munmap(shared, MAX_RESULTS * sizeof(int));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

/* Human readable form of a bind result, for the logs. */
static inline const char *result_str(int r)
{
	static char buf[64];

	if (r == 0)
		return "success";
	if (r > 0)
		return strerror(r);
	if (r == R_UNSET)
		return "(child did not report)";
	if (r == R_PRIV)
		return "(child could not drop privileges)";
	if (r <= R_MISC + 0 && r > R_MISC - 1000)
		snprintf(buf, sizeof(buf), "(helper failure: %s)",
			 strerror(R_MISC - r));
	else if (r <= R_OPEN && r > R_OPEN - 1000)
		snprintf(buf, sizeof(buf), "(open failed: %s)",
			 strerror(R_OPEN - r));
	else if (r <= R_IOU && r > R_IOU - 1000)
		snprintf(buf, sizeof(buf), "(io_uring failure: %s)",
			 strerror(R_IOU - r));
	else if (r <= R_IOU_SETUP && r > R_IOU_SETUP - 1000)
		snprintf(buf, sizeof(buf), "(io_uring_setup failed: %s)",
			 strerror(R_IOU_SETUP - r));
	else if (r <= R_SOCKET && r > R_SOCKET - 1000)
		snprintf(buf, sizeof(buf), "(socket failed: %s)",
			 strerror(R_SOCKET - r));
	else
		snprintf(buf, sizeof(buf), "(code %d)", r);
	return buf;
}

/* ---- sockets ----------------------------------------------------- */

/*
 * Fills @ss with an address of @family: @what is "any", "loopback" or,
 * for AF_INET6, "mapped-loopback" (::ffff:127.0.0.1). Returns its length.
 */
static inline int set_sockaddr(struct sockaddr_storage *ss, int family,
			       const char *what, unsigned short port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		if (!strcmp(what, "loopback"))
			in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*in4);
	}
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	if (!strcmp(what, "loopback")) {
		in6->sin6_addr = in6addr_loopback;
	} else if (!strcmp(what, "mapped-loopback")) {
		in6->sin6_addr.s6_addr[10] = 0xff;
		in6->sin6_addr.s6_addr[11] = 0xff;
		in6->sin6_addr.s6_addr[12] = 127;
		in6->sin6_addr.s6_addr[15] = 1;
	}
	return sizeof(*in6);
}

/* The local port of fd, or R_MISC - errno. */
static inline int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return R_MISC - errno;
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

struct proto_desc {
	const char *name;
	/* Policy keyword of the port space the protocol lives in. */
	const char *class;
	/* A different policy keyword, for cross-protocol checks. */
	const char *other_class;
	int type;
	int protocol;
};

static const struct proto_desc proto_tcp = {
	"tcp", "tcp", "udp", SOCK_STREAM, IPPROTO_TCP,
};

static const struct proto_desc proto_udp = {
	"udp", "udp", "tcp", SOCK_DGRAM, IPPROTO_UDP,
};

static const struct proto_desc proto_udplite = {
	"udplite", "udp", "tcp", SOCK_DGRAM, IPPROTO_UDPLITE,
};

static const struct proto_desc proto_sctp = {
	"sctp", "sctp", "tcp", SOCK_STREAM, IPPROTO_SCTP,
};

static const struct proto_desc proto_mptcp = {
	"mptcp", "tcp", "udp", SOCK_STREAM, IPPROTO_MPTCP,
};

static const struct proto_desc proto_smc = {
	"smc", "tcp", "udp", SOCK_STREAM, IPPROTO_SMC,
};

static const struct proto_desc proto_dccp = {
	"dccp", "dccp", "tcp", SOCK_DCCP, IPPROTO_DCCP,
};

enum family {
	FAM_IPV4,	/* AF_INET socket, sockaddr_in */
	FAM_IPV6,	/* AF_INET6 socket, sockaddr_in6 :: */
	FAM_V4MAPPED,	/* AF_INET6 socket, ::ffff:0.0.0.0 */
	FAM_UNSPEC,	/* AF_INET socket, AF_UNSPEC + INADDR_ANY */
};

static inline int family_domain(enum family fam)
{
	return (fam == FAM_IPV6 || fam == FAM_V4MAPPED) ? AF_INET6 : AF_INET;
}

/* Fills ss with the wildcard address of fam and port.  Returns its size. */
static inline socklen_t fill_addr(struct sockaddr_storage *ss,
				  enum family fam, unsigned short port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (fam == FAM_IPV4 || fam == FAM_UNSPEC) {
		in4->sin_family = fam == FAM_IPV4 ? AF_INET : AF_UNSPEC;
		in4->sin_port = htons(port);
		in4->sin_addr.s_addr = htonl(INADDR_ANY);
		return sizeof(*in4);
	}
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	if (fam == FAM_V4MAPPED) {
		/* ::ffff:0.0.0.0 */
		in6->sin6_addr.s6_addr[10] = 0xff;
		in6->sin6_addr.s6_addr[11] = 0xff;
	}
	return sizeof(*in6);
}

/* Opens a socket of proto/fam; returns the fd or -errno. */
static inline int open_socket(const struct proto_desc *proto,
			      enum family fam)
{
	int fd, one = 1, zero = 0;

	fd = socket(family_domain(fam), proto->type | SOCK_CLOEXEC,
		    proto->protocol);
	if (fd < 0)
		return -errno;
	/* Best effort: not every protocol knows both options. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fam == FAM_V4MAPPED)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	return fd;
}

/* Errnos of socket() that mean "this kernel lacks the protocol". */
static inline bool errno_unsupported(int err)
{
	return err == EPROTONOSUPPORT || err == ESOCKTNOSUPPORT ||
	       err == EAFNOSUPPORT || err == EPFNOSUPPORT || err == EINVAL ||
	       err == ENOPROTOOPT;
}

/*
 * Binds a new socket of proto/fam to port.  addrlen_delta shortens the
 * address (malformed sockaddr tests).  Returns 0, the bind errno, or
 * R_SOCKET - errno.
 */
static inline int try_bind(const struct proto_desc *proto,
			   enum family fam, unsigned short port,
			   int addrlen_delta)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, ret;

	fd = open_socket(proto, fam);
	if (fd < 0)
		return R_SOCKET + fd;
	len = fill_addr(&ss, fam, port) - addrlen_delta;
	ret = bind(fd, (struct sockaddr *)&ss, len) ? errno : 0;
	close(fd);
	return ret;
}

/* A list of binds a child performs, each reported in res[i]. */
struct bind_job {
	const struct proto_desc *proto;
	enum family fam;
	int addrlen_delta;
	int nports;
	unsigned short ports[MAX_RESULTS];
};

static inline void bind_job_fn(const void *arg, int *res)
{
	const struct bind_job *job = arg;
	int i;

	for (i = 0; i < job->nports; i++)
		res[i] = try_bind(job->proto, job->fam, job->ports[i],
				  job->addrlen_delta);
}

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

/* One bind of a hand-made address, in a child. */
struct raw_bind_job {
	const struct proto_desc *proto;
	int domain;
	bool v6only;
	socklen_t len;
	struct sockaddr_storage ss;
};

static inline void raw_bind_fn(const void *arg, int *res)
{
	const struct raw_bind_job *job = arg;
	int fd, one = 1;

	fd = socket(job->domain, job->proto->type | SOCK_CLOEXEC,
		    job->proto->protocol);
	if (fd < 0) {
		res[0] = R_SOCKET - errno;
		return;
	}
	if (job->v6only &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		res[0] = R_MISC - errno;
	else
		res[0] = bind(fd, (const struct sockaddr *)&job->ss, job->len) ?
			 errno : 0;
	close(fd);
}

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

/* ---- policy text helpers ---------------------------------------- */

/* Appends printf output to a growing buffer; aborts on overflow. */
struct strbuf {
	char *buf;
	size_t len, size;
};

static inline void sb_init(struct strbuf *sb, size_t size)
{
	sb->buf = malloc(size);
	if (!sb->buf)
		abort();
	sb->size = size;
	sb->len = 0;
	sb->buf[0] = '\0';
}

static inline __printf(2, 3) void
sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sb->size - sb->len)
		abort();
	sb->len += n;
}

static inline void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
}

#endif /* _PORTOWN_SELFTEST_COMMON_H */
