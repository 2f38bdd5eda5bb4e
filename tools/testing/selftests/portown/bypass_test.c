// SPDX-License-Identifier: GPL-2.0
/*
 * portown: the ways around the bind(2) hook that portown closes
 *
 * - IPV6_ADDRFORM turns an AF_INET6 TCP or UDP socket into an AF_INET one
 *   (its ops first, its family second) while another thread binds it.
 * - AF_RXRPC binds a kernel UDP socket on the transport port the caller
 *   names, with kernel_bind(), which has no hook.
 * - An SCTP association from a bound port (connect(), sctp_connectx(), an
 *   implicit one by sendmsg()): the stock kernel re-checks
 *   CAP_NET_BIND_SERVICE for ports below ip_unprivileged_port_start,
 *   which portown took over.
 *
 * Runs as root; other credentials in forked children (see common.h).
 */

#include "common.h"
#include "wrappers.h"

#include <linux/rxrpc.h>
#include <poll.h>
#include <pthread.h>

#ifndef IPV6_ADDRFORM
#define IPV6_ADDRFORM 1
#endif

#define P_OWNED 8080		/* uid UID_OWNER */

static const struct creds other_cap = {
	.uid = UID_OTHER, .gid = GID_OTHER, .cap_bind = true,
};

/* ---- IPV6_ADDRFORM ----------------------------------------------- */

FIXTURE(addrform) {};

FIXTURE_VARIANT(addrform)
{
	const struct proto_desc *proto;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(addrform, tcp) {
	/* clang-format on */
	.proto = &proto_tcp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(addrform, udp) {
	/* clang-format on */
	.proto = &proto_udp,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(addrform, udplite) {
	/* clang-format on */
	.proto = &proto_udplite,
};

FIXTURE_SETUP(addrform)
{
	char policy[256];

	if (!portown_setup(_metadata))
		return;
	snprintf(policy, sizeof(policy),
		 "reserved 1024\n%s %d uid %d\n%s %d uid %d\n",
		 variant->proto->class, P_OWNED, UID_OWNER,
		 variant->proto->class, P_OWNED_LOW, UID_OWNER);
	SET_POLICY(policy);
}

FIXTURE_TEARDOWN_PARENT(addrform)
{
	portown_teardown(_metadata);
}

/*
 * A connected AF_INET6 socket to ::ffff:127.0.0.1, ready for
 * IPV6_ADDRFORM (which needs an established socket with a v4-mapped
 * peer). TCP connects to a listener of its own, left in *lfd.
 */
static int mapped_connected_socket(const struct proto_desc *proto, int *lfd)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, port = 9;

	*lfd = -1;
	if (proto->type == SOCK_STREAM) {
		*lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (*lfd < 0)
			return R_SOCKET - errno;
		len = set_sockaddr(&ss, AF_INET, "loopback", 0);
		if (bind(*lfd, (struct sockaddr *)&ss, len) || listen(*lfd, 4))
			return R_MISC - errno;
		port = local_port(*lfd);
		if (port < 0)
			return port;
	}
	fd = socket(AF_INET6, proto->type | SOCK_CLOEXEC, proto->protocol);
	if (fd < 0)
		return R_SOCKET - errno;
	len = set_sockaddr(&ss, AF_INET6, "mapped-loopback", port);
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		close(fd);
		return R_MISC - errno;
	}
	return fd;
}

static int addrform(int fd)
{
	int v = AF_INET;

	return setsockopt(fd, IPPROTO_IPV6, IPV6_ADDRFORM, &v, sizeof(v)) ?
	       errno : 0;
}

static int disconnect(int fd)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	return connect(fd, &sa, sizeof(sa)) ? errno : 0;
}

struct addrform_job {
	const struct proto_desc *proto;
	unsigned short port;
};

/*
 * res[0..2]: IPV6_ADDRFORM, disconnect, bind of 0.0.0.0:port;
 * res[3]: the local port afterwards.
 */
static void addrform_fn(const void *arg, int *res)
{
	const struct addrform_job *job = arg;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, lfd;

	fd = mapped_connected_socket(job->proto, &lfd);
	if (fd < 0) {
		res[0] = fd;
		return;
	}
	res[0] = addrform(fd);
	res[1] = disconnect(fd);
	len = set_sockaddr(&ss, AF_INET, "any", job->port);
	res[2] = bind(fd, (struct sockaddr *)&ss, len) ? errno : 0;
	res[3] = local_port(fd);
	close(fd);
	if (lfd >= 0)
		close(lfd);
}

/* After IPV6_ADDRFORM and a disconnect, a bind is judged as AF_INET. */
TEST_F_TIMEOUT(addrform, then_bind, 120)
{
	struct addrform_job job = { .proto = variant->proto, .port = P_OWNED };
	int res[MAX_RESULTS];

	ASSERT_EQ(0, run_child(&other_creds, addrform_fn, &job, res));
	ASSERT_EQ(0, res[0])
	{
		TH_LOG("IPV6_ADDRFORM: %s", result_str(res[0]));
	}
	ASSERT_EQ(0, res[1]);
	EXPECT_EQ(EACCES, res[2]);
	/* TCP's getsockname() still shows the released autobound port. */
	EXPECT_NE(P_OWNED, res[3]);

	job.port = P_OWNED_LOW;
	ASSERT_EQ(0, run_child(&other_creds, addrform_fn, &job, res));
	EXPECT_EQ(EACCES, res[2]);
	EXPECT_NE(P_OWNED_LOW, res[3]);

	ASSERT_EQ(0, run_child(&owner_creds, addrform_fn, &job, res));
	EXPECT_EQ(0, res[2]);
	EXPECT_EQ(P_OWNED_LOW, res[3]);
}

/*
 * The bind is judged even while the socket is still AF_INET6: the family
 * portown could read is not the one the protocol's bind may see. Until
 * the flip, inet6_bind() refuses these addresses itself, after portown.
 */
TEST_F(addrform, inet_address_on_inet6_socket)
{
	struct raw_bind_job job = {
		.proto = variant->proto,
		.domain = AF_INET6,
		.len = sizeof(struct sockaddr_in6),
	};
	struct sockaddr_in *in4 = (struct sockaddr_in *)&job.ss;

	in4->sin_family = AF_INET;
	in4->sin_port = htons(P_OWNED);
	CHECK_RAW_BIND(&other_creds, &job, EACCES, "AF_INET 0.0.0.0:8080");
	CHECK_RAW_BIND(&owner_creds, &job, EAFNOSUPPORT, "AF_INET 0.0.0.0:8080");
	in4->sin_port = htons(P_FREE_LOW);
	CHECK_RAW_BIND(&other_creds, &job, EACCES, "AF_INET 0.0.0.0, a free low port");
	CHECK_RAW_BIND(&other_cap, &job, EAFNOSUPPORT, "AF_INET 0.0.0.0, a free low port");
	in4->sin_port = htons(30000);
	CHECK_RAW_BIND(&other_creds, &job, EAFNOSUPPORT,
		       "AF_INET 0.0.0.0:30000");

	in4->sin_family = AF_UNSPEC;
	in4->sin_port = htons(P_OWNED_LOW);
	CHECK_RAW_BIND(&other_creds, &job, EACCES, "AF_UNSPEC 0.0.0.0, an owned low port");
	CHECK_RAW_BIND(&owner_creds, &job, EAFNOSUPPORT,
		       "AF_UNSPEC 0.0.0.0, an owned low port");
}

/* Shared between the binder and the thread that flips the socket. */
struct race {
	int fd;
	int gen;		/* the binder's iteration */
	int flipped;		/* the last iteration the flipper is done with */
	int stop;
	int flip_errors;
};

static void *flipper(void *arg)
{
	struct race *r = arg;
	int last = 0, gen;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		gen = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
		if (gen == last)
			continue;
		last = gen;
		if (addrform(r->fd) || disconnect(r->fd))
			r->flip_errors++;
		__atomic_store_n(&r->flipped, gen, __ATOMIC_RELEASE);
	}
	return NULL;
}

#define RACE_ITERATIONS 1500

/*
 * res[0]: binds that succeeded (must be 0); res[1]: binds refused with
 * EACCES; res[2]: binds tried; res[3]: iterations; res[4]: errors of
 * IPV6_ADDRFORM or disconnect.
 */
static void race_fn(const void *arg, int *res)
{
	const struct proto_desc *proto = arg;
	struct race r = {};
	struct sockaddr_storage ss;
	pthread_t t;
	socklen_t len;
	int i, lfd;

	for (i = 0; i < 5; i++)
		res[i] = 0;
	if (pthread_create(&t, NULL, flipper, &r)) {
		res[0] = R_MISC - EAGAIN;
		return;
	}
	len = set_sockaddr(&ss, AF_INET, "any", P_OWNED);
	for (i = 1; i <= RACE_ITERATIONS; i++) {
		int done = 0, ret;

		r.fd = mapped_connected_socket(proto, &lfd);
		if (r.fd < 0) {
			res[0] = r.fd;
			break;
		}
		__atomic_store_n(&r.gen, i, __ATOMIC_RELEASE);
		/* Bind until one attempt after the flip has finished. */
		while (done < 2) {
			if (__atomic_load_n(&r.flipped, __ATOMIC_ACQUIRE) == i)
				done++;
			ret = bind(r.fd, (struct sockaddr *)&ss, len) ? errno :
									0;
			res[2]++;
			if (!ret || local_port(r.fd) == P_OWNED)
				res[0]++;
			else if (ret == EACCES)
				res[1]++;
		}
		close(r.fd);
		if (lfd >= 0)
			close(lfd);
		res[3]++;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	res[4] = r.flip_errors;
}

/*
 * A non-owner binds 0.0.0.0:8080 while another thread runs IPV6_ADDRFORM
 * and a disconnect on the same AF_INET6 UDP socket. Whichever family the
 * hook sees, the bind must never succeed.
 */
TEST_F_TIMEOUT(addrform, race_with_bind, 300)
{
	int res[MAX_RESULTS];

	if (variant->proto->type == SOCK_STREAM)
		SKIP(return, "a TCP socket needs a new connection per round: covered by then_bind");
	ASSERT_EQ(0, run_child(&other_creds, race_fn, variant->proto, res));
	TH_LOG("%d rounds, %d binds, %d refused, %d flip errors", res[3],
	       res[2], res[1], res[4]);
	EXPECT_EQ(0, res[0])
	{
		TH_LOG("a non-owner bound the owned port: %s",
		       result_str(res[0]));
	}
	EXPECT_EQ(RACE_ITERATIONS, res[3]);
	EXPECT_EQ(0, res[4]);
	/* Every round ends with binds of the flipped socket, all refused. */
	EXPECT_LE(RACE_ITERATIONS, res[1]);
}

/* ---- AF_RXRPC ---------------------------------------------------- */

FIXTURE(rxrpc) {};

FIXTURE_VARIANT(rxrpc)
{
	int family;		/* of the transport */
	int offset;		/* keeps the variants' ports apart */
};

/* clang-format off */
FIXTURE_VARIANT_ADD(rxrpc, udp4) {
	/* clang-format on */
	.family = AF_INET,
	.offset = 0,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(rxrpc, udp6) {
	/* clang-format on */
	.family = AF_INET6,
	.offset = 100,
};

/*
 * Ports of the fixture, plus the variant's offset. A successful rxrpc
 * bind leaves a UDP socket that rxrpc's I/O thread closes later, so no
 * port is bound successfully twice.
 */
#define RX_OWNED_LOW 400	/* udp, uid UID_OWNER */
#define RX_OWNED 8400		/* udp, uid UID_OWNER */
#define RX_OWNED2 8401		/* udp, uid UID_OWNER */
#define RX_TCP_ONLY 8402	/* tcp, uid UID_OWNER */
#define RX_STRICT 8403		/* udp, uid UID_OWNER, in strict_and_permissive */
#define RX_FREE_LOW 401
#define RX_FREE_LOW2 402
#define RX_FREE_HIGH 30400

FIXTURE_SETUP(rxrpc)
{
	char policy[512];
	int fd, o = variant->offset;

	if (!portown_setup(_metadata))
		return;
	fd = socket(AF_RXRPC, SOCK_DGRAM, variant->family);
	if (fd < 0 && errno_unsupported(errno))
		SKIP(return, "AF_RXRPC over %s is not supported: %s",
		     variant->family == AF_INET ? "IPv4" : "IPv6",
		     strerror(errno));
	ASSERT_LE(0, fd);
	close(fd);
	snprintf(policy, sizeof(policy),
		 "reserved 1024\n"
		 "udp %d uid %d\nudp %d uid %d\nudp %d uid %d\ntcp %d uid %d\n",
		 RX_OWNED_LOW + o, UID_OWNER, RX_OWNED + o, UID_OWNER,
		 RX_OWNED2 + o, UID_OWNER, RX_TCP_ONLY + o, UID_OWNER);
	SET_POLICY(policy);
}

FIXTURE_TEARDOWN_PARENT(rxrpc)
{
	portown_teardown(_metadata);
}

struct rxrpc_job {
	int family;
	int nports;
	unsigned short ports[8];
};

/* rxrpc client binds (service 0) of each port, from one child. */
static void rxrpc_fn(const void *arg, int *res)
{
	const struct rxrpc_job *job = arg;
	int i;

	for (i = 0; i < job->nports; i++) {
		struct sockaddr_rxrpc srx = {
			.srx_family = AF_RXRPC,
			.transport_type = SOCK_DGRAM,
		};
		int fd;

		fd = socket(AF_RXRPC, SOCK_DGRAM, job->family);
		if (fd < 0) {
			res[i] = R_SOCKET - errno;
			continue;
		}
		if (job->family == AF_INET) {
			srx.transport_len = sizeof(srx.transport.sin);
			srx.transport.sin.sin_family = AF_INET;
			srx.transport.sin.sin_port = htons(job->ports[i]);
		} else {
			srx.transport_len = sizeof(srx.transport.sin6);
			srx.transport.sin6.sin6_family = AF_INET6;
			srx.transport.sin6.sin6_port = htons(job->ports[i]);
		}
		res[i] = bind(fd, (struct sockaddr *)&srx, sizeof(srx)) ?
			 errno : 0;
		close(fd);
	}
}

/* Whether /proc/net/udp or udp6 lists a socket bound to port. */
static bool udp_port_bound(unsigned short port)
{
	static const char *const files[] = { "/proc/net/udp", "/proc/net/udp6" };
	char line[512], want[8];
	size_t i;

	snprintf(want, sizeof(want), ":%04X", port);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		FILE *f = fopen(files[i], "r");

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char *local = strchr(line, ':');

			/* "  sl  local_address ...": the first ':' ends "sl". */
			if (!local)
				continue;
			local = strchr(local + 1, ':');
			if (local && !strncmp(local, want, 5) && local[5] == ' ') {
				fclose(f);
				return true;
			}
		}
		fclose(f);
	}
	return false;
}

static void check_rxrpc(struct __test_metadata *_metadata, int line,
			const struct creds *c, int family,
			const struct port_expect *pe, int n)
{
	struct rxrpc_job job = { .family = family, .nports = n };
	int res[MAX_RESULTS], i;

	for (i = 0; i < n; i++)
		job.ports[i] = pe[i].port;
	ASSERT_EQ(0, run_child(c, rxrpc_fn, &job, res));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(pe[i].expected, res[i])
		{
			TH_LOG("line %d: rxrpc udp port %u as uid %d%s: expected %s, got %s",
			       line, pe[i].port, c ? (int)c->uid : 0,
			       c && c->cap_bind ? " +CAP_NET_BIND_SERVICE" : "",
			       pe[i].expected ? strerror(pe[i].expected) :
						"success",
			       result_str(res[i]));
		}
		/* A refused bind leaves no kernel UDP socket behind. */
		if (pe[i].expected)
			EXPECT_FALSE(udp_port_bound(pe[i].port));
	}
}

#define CHECK_RXRPC(c, ...)						\
	check_rxrpc(_metadata, __LINE__, c, variant->family, PE(__VA_ARGS__), \
		    PE_COUNT(__VA_ARGS__))

TEST_F_TIMEOUT(rxrpc, owner_and_non_owner, 120)
{
	const int o = variant->offset;
	struct stats before, after;

	ASSERT_EQ(0, read_stats(&before));
	/* Owned, reserved and another protocol's ports, as a non-owner. */
	CHECK_RXRPC(&other_creds,
		    { RX_OWNED + o, EACCES }, { RX_OWNED_LOW + o, EACCES },
		    { RX_FREE_LOW + o, EACCES }, { 53, EACCES },
		    { RX_TCP_ONLY + o, 0 }, { 0, 0 });
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(4, STATS_DELTA(after, before, denied));
	/* The owner, and a capable task for an unowned reserved port. */
	CHECK_RXRPC(&owner_creds,
		    { RX_OWNED + o, 0 }, { RX_OWNED_LOW + o, 0 });
	CHECK_RXRPC(&other_cap, { RX_FREE_LOW2 + o, 0 }, { RX_OWNED2 + o, 0 });
}

TEST_F_TIMEOUT(rxrpc, strict_and_permissive, 120)
{
	const int o = variant->offset;
	char policy[256];

	snprintf(policy, sizeof(policy), "reserved 1024\nstrict\nudp %d uid %d\n",
		 RX_STRICT + o, UID_OWNER);
	SET_POLICY(policy);
	CHECK_RXRPC(&other_cap, { RX_STRICT + o, EACCES },
		    { RX_FREE_LOW + o, EACCES });

	/* Permissive lets through only what the stock kernel would. */
	SET_ENFORCE(0);
	CHECK_RXRPC(&other_creds, { RX_FREE_LOW + o, EACCES },
		    { RX_STRICT + o, 0 });
}

/*
 * A capable task's rxrpc bind that fails (the UDP port is in use) leaves
 * the socket unbound; handed to a task without the capability, its
 * sendmsg() autobinds. It must not bind the port of the failed bind:
 * nothing would judge it there.
 */
#define RX_BUSY_LOW 404

struct rx_failed_job {
	int family;
	unsigned short port;
	int holder;		/* the parent's socket on the port */
	int ready[2];		/* the child writes once it tried to bind */
	int go[2];		/* the parent writes once the port is free */
};

static void rx_failed_fn(const void *arg, int *res)
{
	const struct rx_failed_job *job = arg;
	struct sockaddr_rxrpc srx = {
		.srx_family = AF_RXRPC,
		.transport_type = SOCK_DGRAM,
	};
	struct msghdr msg = {};
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	char c;
	int fd;

	/* Only the parent's copy may keep the port busy. */
	close(job->holder);
	fd = socket(AF_RXRPC, SOCK_DGRAM, job->family);
	if (fd < 0) {
		res[0] = R_SOCKET - errno;
		return;
	}
	if (job->family == AF_INET) {
		srx.transport_len = sizeof(srx.transport.sin);
		srx.transport.sin.sin_family = AF_INET;
		srx.transport.sin.sin_port = htons(job->port);
	} else {
		srx.transport_len = sizeof(srx.transport.sin6);
		srx.transport.sin6.sin6_family = AF_INET6;
		srx.transport.sin6.sin6_port = htons(job->port);
	}
	/* As root, while the port is taken. */
	res[0] = bind(fd, (struct sockaddr *)&srx, sizeof(srx)) ? errno : 0;
	if (drop_privileges(&other_creds)) {
		res[1] = R_PRIV;
		return;
	}
	if (write(job->ready[1], "r", 1) != 1 || read(job->go[0], &c, 1) != 1) {
		res[1] = R_MISC - EPIPE;
		return;
	}
	/* No call id: rxrpc refuses the message, after it bound a port. */
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	res[1] = sendmsg(fd, &msg, 0) < 0 ? errno : 0;
	res[2] = udp_port_bound(job->port);
	close(fd);
}

TEST_F(rxrpc, failed_bind_leaves_nothing)
{
	struct rx_failed_job job = {
		.family = variant->family,
		.port = RX_BUSY_LOW + variant->offset,
	};
	int res[MAX_RESULTS], holder, status;
	struct sockaddr_storage ss;
	socklen_t len;
	pid_t pid;

	holder = socket(variant->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, holder);
	job.holder = holder;
	len = fill_addr(&ss, variant->family == AF_INET ? FAM_IPV4 : FAM_IPV6,
			job.port);
	ASSERT_EQ(0, bind(holder, (struct sockaddr *)&ss, len));
	ASSERT_EQ(0, pipe(job.go));
	ASSERT_EQ(0, pipe(job.ready));

	/* run_child() waits for the child: this one needs the go-ahead. */
	memset(res, 0, sizeof(res));
	{
		int *shared = mmap(NULL, MAX_RESULTS * sizeof(int),
				   PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(MAP_FAILED, shared);
		shared[0] = R_UNSET;
		shared[1] = R_UNSET;
		shared[2] = R_UNSET;
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			rx_failed_fn(&job, shared);
			_exit(0);
		}
		/* Let the bind fail on the busy port, then free the port. */
		close(job.ready[1]);
		close(job.go[0]);
		{
			char c;

			ASSERT_EQ(1, read(job.ready[0], &c, 1));
		}
		close(holder);
		ASSERT_EQ(1, write(job.go[1], "g", 1));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		memcpy(res, shared, 3 * sizeof(int));
		munmap(shared, MAX_RESULTS * sizeof(int));
	}
	EXPECT_EQ(EADDRINUSE, res[0])
	{
		TH_LOG("root's rxrpc bind of the busy port: %s",
		       result_str(res[0]));
	}
	/* The message itself is refused; what matters is the port. */
	EXPECT_NE(R_UNSET, res[1]);
	EXPECT_NE(R_PRIV, res[1]);
	EXPECT_EQ(0, res[2])
	{
		TH_LOG("sendmsg() bound udp port %u for uid %d", job.port,
		       UID_OTHER);
	}
}

/* ---- SCTP associations from a bound port ------------------------- */

FIXTURE(sctp_assoc) {};

FIXTURE_VARIANT(sctp_assoc)
{
	int family;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(sctp_assoc, ipv4) {
	/* clang-format on */
	.family = AF_INET,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(sctp_assoc, ipv6) {
	/* clang-format on */
	.family = AF_INET6,
};

#define AS_OWNED 8095		/* sctp, uid UID_OWNER */
#define AS_LOW 700		/* unowned, reserved */
#define AS_FREE 30600

FIXTURE_SETUP(sctp_assoc)
{
	int fd;

	if (!portown_setup(_metadata))
		return;
	fd = socket(variant->family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (fd < 0 && errno_unsupported(errno))
		SKIP(return, "SCTP is not supported: %s", strerror(errno));
	ASSERT_LE(0, fd);
	close(fd);
	SET_POLICY("reserved 1024\nsctp 8095 uid 1001\n");
}

FIXTURE_TEARDOWN_PARENT(sctp_assoc)
{
	portown_teardown(_metadata);
}

enum assoc_op { AS_CONNECT, AS_CONNECTX, AS_SENDMSG };

static const char *const assoc_op_names[] = {
	"connect", "sctp_connectx", "sendmsg",
};

struct assoc_job {
	int family;
	enum assoc_op op;
	unsigned short bind_port;	/* bound as root first; 0: unbound */
	const struct creds *c;		/* then dropped to; NULL: root */
};

/*
 * Root makes a listener of its own (a new peer each time: an association
 * between two addresses and ports that had one just before meets its
 * remains), binds, drops to job->c and starts an association: res[0].
 */
static void assoc_fn(const void *arg, int *res)
{
	const struct assoc_job *job = arg;
	struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage ss;
	unsigned short peer;
	socklen_t len;
	int fd, lfd, one = 1, ret;

	lfd = socket(job->family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (lfd < 0) {
		res[0] = R_SOCKET - errno;
		return;
	}
	len = set_sockaddr(&ss, job->family, "loopback", 0);
	if (bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 16)) {
		res[0] = R_MISC - errno;
		return;
	}
	peer = local_port(lfd);

	fd = socket(job->family,
		    (job->op == AS_SENDMSG ? SOCK_SEQPACKET : SOCK_STREAM) |
		    SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_SCTP);
	if (fd < 0) {
		res[0] = R_SOCKET - errno;
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
		   sizeof(abort_close));
	if (job->bind_port) {
		len = set_sockaddr(&ss, job->family, "loopback",
				   job->bind_port);
		if (bind(fd, (struct sockaddr *)&ss, len)) {
			res[0] = R_MISC - errno;
			return;
		}
	}
	if (job->c && drop_privileges(job->c)) {
		res[0] = R_PRIV;
		return;
	}
	len = set_sockaddr(&ss, job->family, "loopback", peer);
	switch (job->op) {
	case AS_CONNECT:
		ret = connect(fd, (struct sockaddr *)&ss, len);
		break;
	case AS_CONNECTX:
		ret = sys_sctp_connectx(fd, &ss, len);
		if (ret > 0)
			ret = 0;	/* the association id */
		break;
	default:
		ret = sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len);
		if (ret == 1)
			ret = 0;
		break;
	}
	/* Non-blocking: the association was let start; wait for it. */
	if (ret && errno == EINPROGRESS) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		socklen_t elen = sizeof(ret);

		if (poll(&pfd, 1, 20000) != 1) {
			res[0] = ETIMEDOUT;
			close(fd);
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &ret, &elen))
			ret = R_MISC - errno;
		res[0] = ret;
		close(fd);
		return;
	}
	res[0] = ret ? errno : 0;
	close(fd);
}

static void check_assoc(struct __test_metadata *_metadata, int line,
			int family, unsigned short bind_port,
			const struct creds *c, int expected)
{
	enum assoc_op op;

	for (op = AS_CONNECT; op <= AS_SENDMSG; op++) {
		struct assoc_job job = {
			.family = family, .op = op, .bind_port = bind_port,
			.c = c,
		};
		int res[MAX_RESULTS];

		ASSERT_EQ(0, run_child(NULL, assoc_fn, &job, res));
		EXPECT_EQ(expected, res[0])
		{
			TH_LOG("line %d: %s from port %u as uid %d%s: expected %s, got %s",
			       line, assoc_op_names[op], bind_port,
			       c ? (int)c->uid : 0,
			       c && c->cap_bind ? " +CAP_NET_BIND_SERVICE" :
			       c ? "" : " (root)",
			       expected ? strerror(expected) : "success",
			       result_str(res[0]));
		}
	}
}

#define CHECK_ASSOC(port, c, expected)					\
	check_assoc(_metadata, __LINE__, variant->family, port, c, expected)

/*
 * The stock kernel's own rule: a socket that root bound below 1024 and
 * handed over makes no association for a task without the capability.
 */
TEST_F_TIMEOUT(sctp_assoc, reserved_port, 180)
{
	struct stats before, after;

	ASSERT_EQ(0, read_stats(&before));
	CHECK_ASSOC(AS_LOW, &other_creds, EACCES);
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(3, STATS_DELTA(after, before, denied));
	CHECK_ASSOC(AS_LOW, &other_cap, 0);
	CHECK_ASSOC(AS_LOW, NULL, 0);
}

/* portown's rule: an owned port's associations are for its owners. */
TEST_F_TIMEOUT(sctp_assoc, owned_port, 180)
{
	CHECK_ASSOC(AS_OWNED, &owner_creds, 0);
	CHECK_ASSOC(AS_OWNED, &other_creds, EACCES);
	CHECK_ASSOC(AS_OWNED, &other_cap, 0);
}

/* Unbound sockets are autobound to an ephemeral port; free ports are free. */
TEST_F_TIMEOUT(sctp_assoc, unbound_and_free, 180)
{
	CHECK_ASSOC(0, &other_creds, 0);
	CHECK_ASSOC(AS_FREE, &other_creds, 0);
}

TEST_F_TIMEOUT(sctp_assoc, strict, 180)
{
	/* Under strict, root binds only what it owns. */
	SET_POLICY("reserved 1024\nstrict\nsctp 700 uid 0\nsctp 8095 uid 0\n"
		   "sctp 8095 uid 1001\n");
	CHECK_ASSOC(AS_LOW, &other_cap, EACCES);
	CHECK_ASSOC(AS_OWNED, &other_cap, EACCES);
	CHECK_ASSOC(AS_OWNED, &owner_creds, 0);
}

/* Permissive mode is never looser than the stock kernel. */
TEST_F_TIMEOUT(sctp_assoc, permissive, 180)
{
	struct stats before, after;

	SET_ENFORCE(0);
	ASSERT_EQ(0, read_stats(&before));
	CHECK_ASSOC(AS_LOW, &other_creds, EACCES);
	CHECK_ASSOC(AS_OWNED, &other_creds, 0);
	ASSERT_EQ(0, read_stats(&after));
	EXPECT_EQ(3, STATS_DELTA(after, before, denied));
	EXPECT_EQ(3, STATS_DELTA(after, before, logged));
}

TEST_HARNESS_MAIN
