// SPDX-License-Identifier: GPL-2.0
/*
 * portown selftest helpers that need no harness: files, saved state,
 * stats, credentials, children, sockets, policy text and io_uring.
 *
 * Linked into every selftest program (see the Makefile). It does not
 * include kselftest_harness.h, which defines non-static functions: the
 * helpers that assert stay inline in common.h.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
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
#include <linux/io_uring.h>

#define PORTOWN_NO_HARNESS
#include "common.h"
#include "wrappers.h"

/* ---- files ------------------------------------------------------- */

/*
 * Reads a whole file into buf (NUL terminated).  Returns the length, or
 * -errno.  buf_size must leave room for the terminator.
 */
ssize_t read_file(const char *path, char *buf,
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
int write_fd_once(int fd, const void *buf, size_t len)
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
int write_file_len(const char *path, const void *buf,
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

int write_file(const char *path, const char *str)
{
	return write_file_len(path, str, strlen(str));
}

bool portown_active(void)
{
	struct stat st;

	return !stat(PORTOWN_POLICY, &st);
}

bool portown_locked(void)
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
bool kmsg_find(int fd, const char *const *needles,
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

/*
 * The policy and mode in force when the test program started, put back by
 * every fixture's teardown, so that the tests leave a live host as they
 * found it. Taken by a constructor, before the harness forks any test.
 */
struct portown_saved portown_saved;

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
int low_ports[LOW_NR] = { 80, 81, 500 };

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
int portown_restore_state(void)
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

/* ---- stats ------------------------------------------------------- */

const char *const stats_names[] = {
	"checked", "allowed", "allowed_owner", "allowed_capability",
	"denied", "logged", "policy_loads", "policy_errors", "rules",
};

/*
 * Parses the stats file, which must hold exactly the names above in
 * this order, one "name value\n" a line.  Returns 0, or -EBADMSG when
 * the format is wrong, or the read error.
 */
int read_stats(struct stats *s)
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
long long stats_delta(const struct stats *after,
		      const struct stats *before, size_t offset)
{
	const long long *a = (const void *)((const char *)after + offset);
	const long long *b = (const void *)((const char *)before + offset);

	return *a - *b;
}

/* ---- credentials ------------------------------------------------- */

int capset_raw(__u32 eff_lo, __u32 perm_lo)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	data[0].effective = eff_lo;
	data[0].permitted = perm_lo;
	return syscall(__NR_capset, &hdr, data);
}

int capget_raw(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	return syscall(__NR_capget, &hdr, data);
}

/* Removes one capability from the effective set, keeping the rest. */
int drop_effective_cap(int cap)
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
int drop_privileges(const struct creds *c)
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

const struct creds owner_creds = {
	.uid = UID_OWNER, .gid = GID_OWNER,
};

const struct creds other_creds = {
	.uid = UID_OTHER, .gid = GID_OTHER,
};

const struct creds other_cap_creds = {
	.uid = UID_OTHER, .gid = GID_OTHER, .cap_bind = true,
};

/* ---- children ---------------------------------------------------- */

/*
 * Runs fn(arg, res) in a forked child that first drops to @c (NULL:
 * stays root with all capabilities).  res points to MAX_RESULTS ints
 * shared with the parent, preset to R_UNSET.  Returns 0 when the child
 * ran and exited normally, or -1.
 */
int run_child(const struct creds *c, child_fn_t fn,
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
const char *result_str(int r)
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
int set_sockaddr(struct sockaddr_storage *ss, int family,
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
int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return R_MISC - errno;
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

const struct proto_desc proto_tcp = {
	"tcp", "tcp", "udp", SOCK_STREAM, IPPROTO_TCP,
};

const struct proto_desc proto_udp = {
	"udp", "udp", "tcp", SOCK_DGRAM, IPPROTO_UDP,
};

const struct proto_desc proto_udplite = {
	"udplite", "udp", "tcp", SOCK_DGRAM, IPPROTO_UDPLITE,
};

const struct proto_desc proto_sctp = {
	"sctp", "sctp", "tcp", SOCK_STREAM, IPPROTO_SCTP,
};

const struct proto_desc proto_mptcp = {
	"mptcp", "tcp", "udp", SOCK_STREAM, IPPROTO_MPTCP,
};

const struct proto_desc proto_smc = {
	"smc", "tcp", "udp", SOCK_STREAM, IPPROTO_SMC,
};

const struct proto_desc proto_dccp = {
	"dccp", "dccp", "tcp", SOCK_DCCP, IPPROTO_DCCP,
};

int family_domain(enum family fam)
{
	return (fam == FAM_IPV6 || fam == FAM_V4MAPPED) ? AF_INET6 : AF_INET;
}

/* Fills ss with the wildcard address of fam and port.  Returns its size. */
socklen_t fill_addr(struct sockaddr_storage *ss,
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
int open_socket(const struct proto_desc *proto,
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
bool errno_unsupported(int err)
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
int try_bind(const struct proto_desc *proto,
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

void bind_job_fn(const void *arg, int *res)
{
	const struct bind_job *job = arg;
	int i;

	for (i = 0; i < job->nports; i++)
		res[i] = try_bind(job->proto, job->fam, job->ports[i],
				  job->addrlen_delta);
}

void raw_bind_fn(const void *arg, int *res)
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

/* ---- policy text helpers ---------------------------------------- */

void sb_init(struct strbuf *sb, size_t size)
{
	sb->buf = malloc(size);
	if (!sb->buf)
		abort();
	sb->size = size;
	sb->len = 0;
	sb->buf[0] = '\0';
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
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

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
}

/* ---- io_uring ---------------------------------------------------- */

int uring_init(struct uring *r)
{
	struct io_uring_params p = {};
	size_t sq_sz, cq_sz;
	void *sq, *cq, *sqes;
	int ret;

	r->fd = sys_io_uring_setup(4, &p);
	if (r->fd < 0)
		return -errno;
	sq_sz = p.sq_off.array + p.sq_entries * sizeof(__u32);
	cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (cq_sz > sq_sz)
			sq_sz = cq_sz;
		cq_sz = sq_sz;
	}
	sq = mmap(NULL, sq_sz, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		goto err;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		cq = sq;
	} else {
		cq = mmap(NULL, cq_sz, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, r->fd,
			  IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			goto err;
	}
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		    IORING_OFF_SQES);
	if (sqes == MAP_FAILED)
		goto err;
	r->sq_tail = sq + p.sq_off.tail;
	r->sq_mask = sq + p.sq_off.ring_mask;
	r->sq_array = sq + p.sq_off.array;
	r->cq_head = cq + p.cq_off.head;
	r->cq_tail = cq + p.cq_off.tail;
	r->cq_mask = cq + p.cq_off.ring_mask;
	r->cqes = cq + p.cq_off.cqes;
	r->sqes = sqes;
	return 0;

err:
	/* The mappings go with the process, which is short-lived. */
	ret = -errno;
	close(r->fd);
	r->fd = -1;
	return ret;
}

int uring_probe_bind(int ring_fd)
{
	const size_t size = sizeof(struct io_uring_probe) +
			    256 * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *probe = calloc(1, size);
	int ret;

	if (!probe)
		return -ENOMEM;
	ret = sys_io_uring_register(ring_fd, IORING_REGISTER_PROBE, probe, 256);
	if (ret < 0)
		ret = -errno;
	else
		ret = probe->last_op >= IORING_OP_BIND &&
		      (probe->ops[IORING_OP_BIND].flags &
		       IO_URING_OP_SUPPORTED);
	free(probe);
	return ret;
}

int uring_bind(struct uring *r, int sockfd, const void *addr, socklen_t len,
	       bool async)
{
	unsigned int tail, head, idx;
	struct io_uring_sqe *sqe;
	int ret;

	tail = *r->sq_tail;
	idx = tail & *r->sq_mask;
	sqe = &r->sqes[idx];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_BIND;
	sqe->fd = sockfd;
	sqe->addr = (unsigned long)addr;
	sqe->addr2 = len;
	sqe->flags = async ? IOSQE_ASYNC : 0;
	sqe->user_data = 42;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);

	ret = sys_io_uring_enter(r->fd, 1, 1, IORING_ENTER_GETEVENTS);
	if (ret < 0)
		return R_IOU - errno;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return R_IOU - EAGAIN;
	ret = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return ret < 0 ? -ret : 0;
}
